import { APICallError } from "@ai-sdk/provider";
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";

/**
 * One model step: stream text, or call tools. `hang` never finishes (crash tests).
 * `fail` throws the provider error a real call gets for that HTTP status before
 * any output; `failAfter` streams its text, then errors (fallback tests).
 */
export type ScriptStep =
  | { text: string | string[] }
  | { tools: Array<{ name: string; input: Record<string, unknown> }>; say?: string[] }
  | { hang: string[] }
  | { fail: number }
  | { failAfter: string[] };

/**
 * A scripted LanguageModelV4: the stand-in for a real model (the one seam
 * tests cannot run). Each call consumes the next step; `calls` records prompts.
 */
export class ScriptedModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "test";
  readonly supportedUrls = {};
  readonly calls: LanguageModelV4CallOptions[] = [];
  private next = 0;

  constructor(
    private readonly steps: ScriptStep[],
    readonly modelId = "scripted"
  ) {}

  doGenerate(): never {
    throw new Error("scripted model streams only");
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    this.calls.push(options);
    const step = this.steps[this.next++] ?? { text: "(script exhausted)" };
    if ("fail" in step) {
      throw new APICallError({
        message: `scripted ${step.fail}`,
        url: "https://model.test/v1/chat/completions",
        requestBodyValues: {},
        statusCode: step.fail,
        isRetryable: false
      });
    }
    const parts: LanguageModelV4StreamPart[] = [{ type: "stream-start", warnings: [] }];
    if ("failAfter" in step) {
      const id = `t-${crypto.randomUUID()}`;
      parts.push({ type: "text-start", id }, ...step.failAfter.map((delta) => ({ type: "text-delta" as const, id, delta })));
      parts.push({
        type: "error",
        error: new APICallError({ message: "scripted mid-stream 503", url: "https://model.test", requestBodyValues: {}, statusCode: 503, isRetryable: false })
      });
      return { stream: fromParts(parts) };
    }
    if ("tools" in step) {
      // Words before the tool calls, in the same step (a voice call speaks them while the tools run).
      if (step.say?.length) {
        const id = `t-${crypto.randomUUID()}`;
        parts.push({ type: "text-start", id });
        for (const delta of step.say) parts.push({ type: "text-delta", id, delta });
        parts.push({ type: "text-end", id });
      }
      for (const call of step.tools) {
        parts.push({
          type: "tool-call",
          toolCallId: `call-${crypto.randomUUID()}`,
          toolName: call.name,
          input: JSON.stringify(call.input)
        });
      }
      parts.push(finish("tool-calls"));
      return { stream: fromParts(parts) };
    }
    const chunks = "hang" in step ? step.hang : Array.isArray(step.text) ? step.text : [step.text];
    const id = `t-${crypto.randomUUID()}`;
    parts.push({ type: "text-start", id });
    for (const delta of chunks) parts.push({ type: "text-delta", id, delta });
    if ("hang" in step) return { stream: hangingAfter(parts, options.abortSignal) };
    parts.push({ type: "text-end", id }, finish("stop"));
    return { stream: fromParts(parts) };
  }
}

function finish(reason: "stop" | "tool-calls"): LanguageModelV4StreamPart {
  return {
    type: "finish",
    finishReason: { unified: reason, raw: reason },
    usage: {
      inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 1, text: 1, reasoning: 0 }
    }
  };
}

function fromParts(parts: LanguageModelV4StreamPart[]): ReadableStream<LanguageModelV4StreamPart> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    }
  });
}

function hangingAfter(parts: LanguageModelV4StreamPart[], signal?: AbortSignal): ReadableStream<LanguageModelV4StreamPart> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      signal?.addEventListener("abort", () => controller.error(signal.reason));
    }
  });
}
