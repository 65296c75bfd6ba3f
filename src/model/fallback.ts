import { APICallError } from "@ai-sdk/provider";
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import { errorText } from "../shared/error-text";

/** One model in the order they are tried; `label` is "provider:model", what usage rows and logs name. */
export interface ModelCandidate {
  label: string;
  model: LanguageModelV4;
}

export interface StepUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Labels of the models that failed before this one answered. */
  fallbackFrom: string[];
}

/** Where a model call reports what it used (src/model/usage.ts writes it to the user's Assistant). */
export interface UsageSink {
  record(usage: StepUsage): void | Promise<void>;
  failed?(failure: { model: string; error: string }): void | Promise<void>;
}

/** A primary that has said nothing for this long is given up on (when another model can be tried). */
export const FIRST_OUTPUT_TIMEOUT_MS = 60_000;

/**
 * Tries each model in order until one starts answering. A model that fails
 * before its first output (a time-out, a 5xx, a 429, a network error) hands
 * over to the next; once any text or tool call has been streamed, an error
 * is the turn's error: retrying then would repeat text the user already saw.
 * With one candidate it only reports usage.
 */
export class FallbackModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: LanguageModelV4["supportedUrls"];

  constructor(
    private readonly candidates: readonly ModelCandidate[],
    private readonly sink?: UsageSink,
    private readonly firstOutputTimeoutMs = FIRST_OUTPUT_TIMEOUT_MS
  ) {
    if (candidates.length === 0) throw new Error("FallbackModel needs at least one model");
    const first = candidates[0]!.model;
    this.provider = first.provider;
    this.modelId = candidates.map((c) => c.label).join(" → ");
    this.supportedUrls = first.supportedUrls;
  }

  doGenerate(options: LanguageModelV4CallOptions): ReturnType<LanguageModelV4["doGenerate"]> {
    // Think streams; a generate call goes to the primary unchanged.
    return this.candidates[0]!.model.doGenerate(options);
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const failures: Array<{ label: string; error: unknown }> = [];
    for (const [index, candidate] of this.candidates.entries()) {
      const last = index === this.candidates.length - 1;
      const attempt = new AbortController();
      const stop = () => attempt.abort(options.abortSignal?.reason);
      options.abortSignal?.addEventListener("abort", stop, { once: true });
      try {
        const started = await this.start(candidate, { ...options, abortSignal: attempt.signal }, last ? undefined : this.firstOutputTimeoutMs);
        const from = failures.map((f) => f.label);
        return { ...started.result, stream: this.continued(started.head, started.reader, candidate.label, from) };
      } catch (error) {
        options.abortSignal?.removeEventListener("abort", stop);
        attempt.abort(error);
        if (options.abortSignal?.aborted) throw error;
        if (!fallsBack(error)) throw error;
        failures.push({ label: candidate.label, error });
        await this.sink?.failed?.({ model: candidate.label, error: errorText(error).slice(0, 300) });
        if (last) {
          // One model: keep its own error (the AI SDK may retry a retryable one).
          if (this.candidates.length === 1) throw error;
          throw new Error(
            `No model could answer: ${failures.map((f) => `${f.label} failed (${errorText(f.error).slice(0, 200)})`).join("; ")}. Try again later.`
          );
        }
      }
    }
    throw new Error("unreachable: no model candidates");
  }

  /** Calls the model and reads up to its first output; throws if it fails (or is silent too long) before that. */
  private async start(candidate: ModelCandidate, options: LanguageModelV4CallOptions, timeoutMs: number | undefined) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => reject(new FirstOutputTimeout(`${candidate.label} said nothing for ${timeoutMs / 1000} s`)), timeoutMs);
      }
    });
    try {
      const result = await Promise.race([candidate.model.doStream(options), timeout]);
      const reader = result.stream.getReader();
      const head: LanguageModelV4StreamPart[] = [];
      for (;;) {
        const next = await Promise.race([reader.read(), timeout]);
        if (next.done) break;
        if (next.value.type === "error") throw next.value.error;
        head.push(next.value);
        if (isOutput(next.value)) break;
      }
      return { result, reader, head };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The parts read so far, then the rest of the stream; its finish part's usage is recorded. */
  private continued(
    head: LanguageModelV4StreamPart[],
    reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart>,
    label: string,
    fallbackFrom: string[]
  ): ReadableStream<LanguageModelV4StreamPart> {
    const sink = this.sink;
    const note = (part: LanguageModelV4StreamPart) => {
      if (part.type !== "finish" || !sink) return;
      const usage = { model: label, inputTokens: part.usage.inputTokens.total ?? 0, outputTokens: part.usage.outputTokens.total ?? 0, fallbackFrom };
      Promise.resolve(sink.record(usage)).catch((error: unknown) => console.warn(`[steward] usage not recorded: ${errorText(error)}`));
    };
    let pending = [...head];
    return new ReadableStream<LanguageModelV4StreamPart>({
      async pull(controller) {
        const part = pending.shift();
        if (part) {
          note(part);
          controller.enqueue(part);
          return;
        }
        pending = [];
        const next = await reader.read();
        if (next.done) return controller.close();
        note(next.value);
        controller.enqueue(next.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      }
    });
  }
}

class FirstOutputTimeout extends Error {
  override name = "FirstOutputTimeout";
}

/** Parts that mean the model has started answering (what a user may already have seen). */
function isOutput(part: LanguageModelV4StreamPart): boolean {
  switch (part.type) {
    case "stream-start":
    case "response-metadata":
    case "raw":
    case "text-start":
    case "reasoning-start":
      return false;
    default:
      return true;
  }
}

/**
 * Worth another model: time-outs, rate limits, server errors, network
 * failures. A 4xx other than 408/429 means the request itself is wrong
 * (another model would refuse it too); the caller's own abort is never retried.
 */
export function fallsBack(error: unknown): boolean {
  if (error instanceof Error && error.name === "AbortError") return false;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    return status === undefined || status === 408 || status === 429 || status >= 500;
  }
  return true;
}

export interface FallbackSpec {
  provider: string;
  model: string;
}

const PROVIDERS = ["workers-ai", "gateway", "openai"];

/** MODEL_FALLBACKS: "provider:model" entries, comma separated; the model part may contain ":" and "/". */
export function parseFallbacks(raw: string | undefined): { ok: true; list: FallbackSpec[] } | { ok: false; error: string } {
  const list: FallbackSpec[] = [];
  for (const entry of (raw ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    const provider = colon > 0 ? entry.slice(0, colon).trim() : "";
    const model = colon > 0 ? entry.slice(colon + 1).trim() : "";
    if (!PROVIDERS.includes(provider) || !model) {
      return { ok: false, error: `MODEL_FALLBACKS entry "${entry}" must be provider:model with provider one of ${PROVIDERS.join(", ")}` };
    }
    list.push({ provider, model });
  }
  return { ok: true, list };
}

export function fallbackProblem(raw: string | undefined): string | null {
  const parsed = parseFallbacks(raw);
  return parsed.ok ? null : parsed.error;
}
