/**
 * Bench-only Worker: Steward's real entry, unchanged, plus two baselines to
 * compare against: a bare Think agent (a top-level Durable Object) and the
 * same bare Think hosted as a facet of a bare root agent (the SDK's
 * multi-chat shape Steward's sessions use). All answer with zero-latency
 * scripted models, so the differences in turn time are overhead.
 *
 * Not deployed: only bench/turn-overhead/wrangler.jsonc points here, and the
 * /agents/… and /bench/… routes exist only in this Worker.
 */
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import { Think } from "@cloudflare/think";
import { Agent } from "agents";
import { Workspace } from "@cloudflare/computer";
import type { ToolSet } from "ai";
import { stewardBeside } from "../lib/beside-steward";
import { modelOverride } from "../../src/model";
import { isolateBackend, runCodeTool } from "../../src/ladder/isolate";

export { Assistant, Conversation, Researcher, MailReader } from "../../src/server";

const DELTAS = ["Hello", " from", " the", " bench", " model", "."];

/** What the model was last sent: the size of the system prompt and of the tool schemas. */
interface PromptSize {
  systemChars: number;
  toolChars: number;
  tools: number;
}

/**
 * Streams DELTAS with no latency. A user message "tier0" or "tier1" first
 * calls one tool (ls, or run_code with 1+1) and answers after its result.
 */
class BenchModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "bench";
  readonly modelId = "scripted-text";
  readonly supportedUrls = {};
  last: PromptSize = { systemChars: 0, toolChars: 0, tools: 0 };

  doGenerate(): never {
    throw new Error("bench model streams only");
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const system = options.prompt.filter((m) => m.role === "system").map((m) => m.content);
    this.last = { systemChars: system.join("\n").length, toolChars: JSON.stringify(options.tools ?? []).length, tools: options.tools?.length ?? 0 };
    const call = toolCallFor(options);
    const parts: LanguageModelV4StreamPart[] = [{ type: "stream-start", warnings: [] }];
    if (call) {
      parts.push(
        { type: "tool-call", toolCallId: `call-${crypto.randomUUID()}`, toolName: call.name, input: JSON.stringify(call.input) },
        finish("tool-calls")
      );
    } else {
      parts.push({ type: "text-start", id: "t0" });
      for (const delta of DELTAS) parts.push({ type: "text-delta", id: "t0", delta });
      parts.push({ type: "text-end", id: "t0" }, finish("stop"));
    }
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

function toolCallFor(options: LanguageModelV4CallOptions): { name: string; input: Record<string, unknown> } | null {
  const last = options.prompt.at(-1);
  if (last?.role !== "user") return null;
  const text = last.content.map((p) => (p.type === "text" ? p.text : "")).join("");
  if (text.includes("tier0")) return { name: "ls", input: { path: "/workspace" } };
  if (text.includes("tier1")) return { name: "run_code", input: { code: "1+1" } };
  return null;
}

function finish(reason: "stop" | "tool-calls"): LanguageModelV4StreamPart {
  return {
    type: "finish",
    finishReason: { unified: reason, raw: reason },
    usage: {
      inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: DELTAS.length, text: DELTAS.length, reasoning: 0 }
    }
  };
}

const stewardModel = new BenchModel();
const bareModel = new BenchModel();
modelOverride.current = () => stewardModel;

/** The baseline: Think with the same model, its own workspace and the same tier 1 tool, nothing else. */
export class BareThink extends Think<Env> {
  override workspace = new Workspace({ storage: this.ctx.storage, backends: [isolateBackend(this.env.LOADER)] });

  override getModel() {
    return bareModel;
  }

  override getTools(): ToolSet {
    return { run_code: runCodeTool(() => this.workspace.runtime) };
  }
}

/** A root with no behaviour of its own, so BareThink can be measured as a facet too. */
export class BareRoot extends Agent<Env> {}

const steward = stewardBeside("/agents/");

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (new URL(request.url).pathname === "/bench/prompt") {
      return Response.json({ steward: stewardModel.last, bare: bareModel.last });
    }
    return steward.fetch?.(request as Parameters<NonNullable<typeof steward.fetch>>[0], env, ctx) ?? new Response("Not found", { status: 404 });
  }
} satisfies ExportedHandler<Env>;
