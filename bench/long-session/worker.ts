/**
 * Bench-only Worker: Steward's real entry with a zero-latency scripted model
 * that reports the size of each prompt it is sent, a compaction policy chosen
 * by the user's name, and one loopback-only route that seeds the history
 * index in bulk (the search half of the bench). Not deployed: only
 * bench/long-session/wrangler.jsonc points here.
 */
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import { getAgentByName } from "agents";
import type { Assistant } from "../../src/assistant/assistant";
import steward from "../../src/server";
import { modelOverride } from "../../src/model";
import { DEFAULT_COMPACTION, compactionOverride } from "../../src/memory/compaction";
import type { CompactionPolicy } from "../../src/memory/compaction";

export { Assistant, Conversation, Researcher, MailReader } from "../../src/server";

/** ~4 characters a token, the usual rough rule (Sessions stamps its own estimates the same way). */
const CHARS_PER_TOKEN = 4;
const REPLY = "Noted. Here is a short answer with a few words of substance so that each turn adds to the history. ".repeat(2);
const SUMMARY =
  "## Topic\nA long bench session.\n## Key Points\nThe user sent many numbered messages; each was acknowledged.\n## Current State\nOngoing.\n## Open Items\nNone.";

class BenchModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "bench";
  readonly modelId = "long-session";
  readonly supportedUrls = {};

  doGenerate(): never {
    throw new Error("bench model streams only");
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const prompt = JSON.stringify(options.prompt);
    const summary = prompt.includes("Create a concise summary of this conversation") || prompt.includes("You are updating a conversation summary");
    const tokens = Math.round((prompt.length + JSON.stringify(options.tools ?? []).length) / CHARS_PER_TOKEN);
    const text = summary ? SUMMARY : `${REPLY}[prompt-tokens=${tokens}]`;
    const id = "t0";
    const parts: LanguageModelV4StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "text-start", id },
      { type: "text-delta", id, delta: text },
      { type: "text-end", id },
      {
        type: "finish",
        finishReason: { unified: "stop", raw: "stop" },
        usage: { inputTokens: { total: tokens, noCache: tokens, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 40, text: 40, reasoning: 0 } }
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

/** Small enough that 2,000 short turns compact many times; the default policy is for real model windows. */
const SMALL: CompactionPolicy = { compactAfterTokens: 6_000, keepRecentTokens: 2_000 };
compactionOverride.current = (user) => (user.includes("nocompact-") ? null : user.includes("defaultcompact-") ? DEFAULT_COMPACTION : SMALL);

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    // POST /bench/seed {user, session, messages}: index messages into a session the bench created over RPC.
    if (url.pathname === "/bench/seed" && request.method === "POST") {
      const body = (await request.json()) as { user: string; session: string; messages: Array<{ messageId: string; role: string; at: number; text: string }> };
      const assistant = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, body.user);
      const t0 = performance.now();
      await assistant.recordTurn(body.session, "seeded", body.messages);
      return Response.json({ ok: true, ms: performance.now() - t0 });
    }
    return steward.fetch(request, env);
  }
} satisfies ExportedHandler<Env>;
