import { tool } from "ai";
import type { ToolSet } from "ai";
import { z } from "zod";
import { runCodeTool } from "./isolate";
import type { runCode } from "./isolate";
import { SUBAGENT_NAMES } from "../subagents/names";
import { runNpmTool } from "./npm-tool";
import { browserTools } from "./browser-tools";
import type { BrowserAction, BrowserResult } from "./browser";
import type { NpmBundleOutcome } from "./npm";
import type { SubagentName } from "../subagents/names";
import { runShellTool } from "./shell";
import type { ShellHost } from "./shell";

/** What the ladder tools need from the agent running the turn. */
export interface LadderHost {
  runtime: () => Parameters<typeof runCode>[0];
  assistant: () => Promise<{
    tiersText(): Promise<string> | string;
    auditText(limit: number): Promise<string> | string;
    delegate(agent: SubagentName, task: string, sessionId: string): Promise<string>;
    // ── Tiers 2–3 ──
    npmBundle(code: string, versions: Record<string, string>): Promise<NpmBundleOutcome>;
    browserAction(sessionId: string, action: BrowserAction): Promise<BrowserResult>;
  }>;
  session: () => string;
  /** Tier 4: where run_shell sends its command (the conversation, which keys it as a durable job). */
  shell?: () => ShellHost;
}

/**
 * Steward's own tools, merged over Think's built-in workspace tools (tier 0).
 * Every name here has its facts (tier, effect, who may be offered it) in src/shared/tool-facts.ts.
 */
export function ladderTools(host: LadderHost): ToolSet {
  return {
    run_code: runCodeTool(host.runtime),
    show_tiers: tool({
      description: "Show the execution ladder and the user's permission for each tier.",
      inputSchema: z.object({}),
      execute: async () => ({ text: await (await host.assistant()).tiersText() })
    }),
    show_audit: tool({
      description: "Show the user's most recent tool executions (newest first).",
      inputSchema: z.object({ limit: z.number().int().min(1).max(500).default(10) }),
      execute: async ({ limit }) => ({ text: await (await host.assistant()).auditText(limit) })
    }),
    delegate: tool({
      description:
        "Hand a self-contained task to a sub-agent and get its answer. researcher: reads the workspace (no changes, no code, no network) and reports findings.",
      inputSchema: z.object({
        agent: z.enum(SUBAGENT_NAMES),
        task: z.string().min(1).max(8000).describe("Everything the sub-agent needs to know; it cannot see this conversation")
      }),
      execute: async ({ agent, task }) => ({
        agent,
        text: await (await host.assistant()).delegate(agent, task, host.session())
      })
    }),
    // ── Tiers 2–3: npm and browser ──
    run_npm: runNpmTool({
      runtime: host.runtime,
      bundle: async (code, versions) => (await host.assistant()).npmBundle(code, versions)
    }),
    ...browserTools(async (action) => (await host.assistant()).browserAction(host.session(), action)),
    ...(host.shell ? { run_shell: runShellTool(host.shell) } : {})
  };
}
