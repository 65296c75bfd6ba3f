import { Think } from "@cloudflare/think";
import type { ToolCallContext, ToolCallDecision, ToolCallResultContext, TurnConfig, TurnContext } from "@cloudflare/think";
import { getWorkspace } from "@cloudflare/computer";
import { auditEntryFor } from "../ladder/audit";
import { toolsOfferedTo } from "../shared/tool-facts";
import { chatModel } from "../model";
import { usageSink } from "../model/usage";
import { Assistant } from "../assistant/assistant";

/** What a researcher is offered, from the one table of tool facts: tools that only read. */
const RESEARCHER_TOOLS = toolsOfferedTo("researcher");

/**
 * A sub-agent facet of the user's Assistant with its own SQLite and
 * conversation. It reads the shared workspace but has no side-effect tools,
 * so text it reads (mail, pages) cannot make it act. Its only surface is
 * `runTask`; the parent never touches its storage directly.
 */
export class Researcher extends Think<Env> {
  override maxSteps = 6;
  override workspace = getWorkspace(() => this.parentAgent(Assistant));

  override async onBeforeSubAgent(): Promise<Response> {
    return new Response("Not found", { status: 404 });
  }

  override getModel() {
    const where = { session: this.name, channel: "subagent", turn: () => this.activeTurn?.requestId ?? "" };
    // Its tokens count toward the user's usage and daily limit like the session's own.
    return chatModel(
      this.env,
      { user: this.parentPath[0]?.name ?? "unknown", channel: "subagent", session: this.name },
      usageSink(() => this.parentAgent(Assistant), where)
    );
  }

  override getSystemPrompt(): string {
    return "You are a research sub-agent. Read workspace files (paths under /workspace) with read, ls, find and grep, then answer the task with a short, factual report. You cannot change anything; if the task needs changes, say what should be changed.";
  }

  override beforeTurn(ctx: TurnContext): TurnConfig {
    return { activeTools: Object.keys(ctx.tools).filter((name) => RESEARCHER_TOOLS.includes(name)) };
  }

  // activeTools only limits what the model is offered; a call to any other
  // tool must still never run.
  override beforeToolCall(ctx: ToolCallContext): ToolCallDecision | void {
    if (!RESEARCHER_TOOLS.includes(ctx.toolName)) {
      return { action: "block", reason: `The researcher cannot use ${ctx.toolName}: it only reads (${RESEARCHER_TOOLS.join(", ")}).` };
    }
  }

  override async afterToolCall(ctx: ToolCallResultContext): Promise<void> {
    const blocked = !RESEARCHER_TOOLS.includes(ctx.toolName);
    const entry = await auditEntryFor(ctx, this.name, ctx.requestId ?? "", { blocked, approved: null });
    await (await this.parentAgent(Assistant)).gateAfter(entry);
  }

  /** The tables in this sub-agent's own SQLite (diagnostics; shows it holds no parent data). */
  ownTables(): string[] {
    return this.ctx.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .toArray()
      .map((r) => r.name);
  }

  /** Runs one task as a turn in this sub-agent's own conversation. */
  async runTask(task: string): Promise<string> {
    if (typeof task !== "string" || !task.trim()) throw new Error("task must be a non-empty string");
    const result = await this.runTurn({ input: task });
    if (result.status !== "completed") {
      return `The researcher could not finish (${result.status}${"error" in result && result.error ? `: ${String(result.error)}` : ""}).`;
    }
    return (result.message?.parts ?? [])
      .map((p) => (p.type === "text" ? p.text : ""))
      .join("")
      .trim();
  }
}
