/**
 * Bench-only Worker: Steward's real entry, unchanged, plus a bare Think agent
 * to compare against. Both answer with the same zero-latency scripted model,
 * so the difference in turn time is Steward's own overhead.
 *
 * Not deployed: only bench/turn-overhead/wrangler.jsonc points here, and the
 * /agents/bare-think/<name> route exists only in this Worker.
 */
import type { LanguageModelV4, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import { Think } from "@cloudflare/think";
import { stewardBeside } from "../lib/beside-steward";
import { modelOverride } from "../../src/model";

export { Assistant, Conversation, Researcher } from "../../src/server";

const DELTAS = ["Hello", " from", " the", " bench", " model", "."];

/** Streams DELTAS with no latency and no tool calls; stateless, so one instance serves everyone. */
class BenchModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "bench";
  readonly modelId = "scripted-text";
  readonly supportedUrls = {};

  doGenerate(): never {
    throw new Error("bench model streams only");
  }

  async doStream(): Promise<LanguageModelV4StreamResult> {
    const id = "t0";
    const parts: LanguageModelV4StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "text-start", id },
      ...DELTAS.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id, delta })),
      { type: "text-end", id },
      {
        type: "finish",
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: DELTAS.length, text: DELTAS.length, reasoning: 0 }
        }
      }
    ];
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        }
      })
    };
  }
}

const model = new BenchModel();
modelOverride.current = () => model;

/** The baseline: Think with the same model and nothing else. */
export class BareThink extends Think<Env> {
  override getModel() {
    return model;
  }
}

export default stewardBeside("/agents/bare-think/");
