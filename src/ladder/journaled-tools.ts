import { WorkspaceFileStore } from "@cloudflare/computer";
import type { Workspace } from "@cloudflare/computer";
import { createDeleteTool, createEditTool, createWriteTool } from "@cloudflare/computer/tools/ai-sdk";
import type { Tool, ToolExecutionOptions } from "ai";
import { runCode } from "./isolate";
import { runNpm } from "./npm-tool";
import type { NpmBundleOutcome } from "./npm";
import type { JournalCall, JournalOutcome, ToolJournal } from "./journal";
import { isJournaledTool } from "./journal-call";
import type { JournaledTool } from "./journal-call";

/**
 * The Assistant's side of the journaled tools: each call runs here, against
 * its own journaled file system (src/ladder/journal.ts), so its effects and
 * its recorded result live in the same SQLite and commit together.
 */
export interface JournaledToolHost {
  workspace: Workspace;
  journal: ToolJournal;
  npmBundle(code: string, versions: Record<string, string>): Promise<NpmBundleOutcome>;
}

type Fs = Workspace["fs"];

export async function runJournaledCall(host: JournaledToolHost, call: JournalCall): Promise<unknown> {
  if (!isJournaledTool(call.tool)) return { ok: false, text: `${call.tool} is not a journaled tool.` };
  const tool = call.tool;
  const outcome = await host.journal.run(call, ({ fs, executionId }) => execute(host, tool, call, fs, executionId));
  return marked(outcome);
}

async function execute(host: JournaledToolHost, tool: JournaledTool, call: JournalCall, fs: Fs, executionId: string): Promise<unknown> {
  const input = (typeof call.input === "object" && call.input !== null ? call.input : {}) as Record<string, unknown>;
  // Tiers 1–2: the backend writes through `fs` because the execution id is the journal's (journaledBackends).
  const runtime = {
    exec: (source: string, options: { backend: string; encoding: "utf8"; timeoutMs: number }) =>
      host.workspace.runtime.exec(source, { ...options, id: executionId })
  };
  const timeoutMs = typeof input.timeoutMs === "number" ? input.timeoutMs : undefined;
  switch (tool) {
    case "run_code":
      return runCode(runtime, String(input.code ?? ""), timeoutMs);
    case "run_npm": {
      const packages = (typeof input.packages === "object" && input.packages !== null ? input.packages : {}) as Record<string, string>;
      return runNpm({ runtime: () => runtime, bundle: (code, versions) => host.npmBundle(code, versions) }, String(input.code ?? ""), packages, timeoutMs);
    }
    case "write":
    case "edit":
    case "delete": {
      // Think's own tier 0 tools, over a store that writes through the journal.
      const store = new WorkspaceFileStore({ fs });
      const definition: Tool = tool === "write" ? createWriteTool({ store }) : tool === "edit" ? createEditTool({ store }) : createDeleteTool({ store });
      const options = { toolCallId: call.toolCallId, messages: [] } as unknown as ToolExecutionOptions<unknown>;
      return await (definition.execute as (input: unknown, options: ToolExecutionOptions<unknown>) => Promise<unknown>)(call.input, options);
    }
  }
}

/** A result answered from the record of an earlier execution says so (the audit row and the model read it). */
function marked(outcome: JournalOutcome): unknown {
  if (!outcome.reconciled) return outcome.result;
  const note = "(The recorded result of an identical call interrupted by a restart: its changes were applied once and it was not run again.)";
  const result = outcome.result;
  if (typeof result === "object" && result !== null && !Array.isArray(result)) {
    const record = result as Record<string, unknown>;
    return { ...record, reconciled: true, ...(typeof record.text === "string" ? { text: `${record.text}\n\n${note}` } : { note }) };
  }
  return { result, reconciled: true, note };
}
