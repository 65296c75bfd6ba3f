import { tool } from "ai";
import { z } from "zod";
import { DEFAULT_SHELL_TIMEOUT_MS, MAX_SHELL_TIMEOUT_MS } from "./sandbox/backend";
import type { SandboxExecResult } from "./sandbox/backend";

/** What run_shell returns to the model (and /sh to the owner). */
export interface ShellOutput {
  ok: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  /** Workspace paths the command created or changed, copied back into the workspace. */
  changedFiles: string[];
  deletedFiles: string[];
  /** The result was recovered from a run a restart interrupted; the command did not run again. */
  reconciled?: boolean;
  /** Plain-language summary; for failures it says what to do instead. */
  text: string;
  error?: string;
}

export interface ShellHost {
  /** `toolCallId` names the tool card that shows the output while the command runs. */
  runShell(command: string, timeoutMs: number, toolCallId?: string): Promise<ShellOutput>;
}

export const MAX_COMMAND_BYTES = 16 * 1024;

export function runShellTool(host: () => ShellHost) {
  return tool({
    description:
      "Tier 4: run a shell command in the user's Linux sandbox (bash, git, compilers, test runners). " +
      "The workspace (/workspace) is copied in before and changed files are copied back after. " +
      "No network except allowlisted hosts. Use lower tiers first: read/write files (tier 0), run_code for JavaScript (tier 1).",
    inputSchema: z.object({
      command: z.string().min(1).max(MAX_COMMAND_BYTES).describe("Run by /bin/sh -c in /workspace"),
      timeoutMs: z.number().int().min(100).max(MAX_SHELL_TIMEOUT_MS).optional().describe(`Default ${DEFAULT_SHELL_TIMEOUT_MS} ms`)
    }),
    execute: async ({ command, timeoutMs }, { toolCallId }) => host().runShell(command, timeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS, toolCallId)
  });
}

export function shellOutput(result: SandboxExecResult, timeoutMs: number, reconciled: boolean): ShellOutput {
  const ok = result.exitCode === 0 && !result.timedOut;
  const output: ShellOutput = {
    ok,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    truncated: result.truncated,
    timedOut: result.timedOut,
    changedFiles: result.changed.map((f) => `/workspace/${f.path}`),
    deletedFiles: result.deleted.map((p) => `/workspace/${p}`),
    text: withOutput(result, explainShell(result, timeoutMs))
  };
  if (reconciled) output.reconciled = true;
  return output;
}

export function shellFailure(message: string): ShellOutput {
  return {
    ok: false,
    exitCode: null,
    stdout: "",
    stderr: "",
    truncated: false,
    timedOut: false,
    changedFiles: [],
    deletedFiles: [],
    text: message,
    error: message
  };
}

const NETWORK =
  /Network is unreachable|Could not resolve host|Temporary failure in name resolution|ENETUNREACH|EAI_AGAIN|getaddrinfo|not on the sandbox allowlist/i;
const MISSING = /(?:command not found|not found$|No such file or directory)/im;

/** The plain-words summary; a failure names what to do next. */
export function explainShell(result: SandboxExecResult, timeoutMs: number): string {
  const notes: string[] = [];
  if (result.timedOut) {
    notes.push(
      `The command ran past its time limit (${Math.round(timeoutMs / 1000)} s) and was killed together with everything it started. ` +
        `Give it a longer timeoutMs (up to ${MAX_SHELL_TIMEOUT_MS / 60_000} min), or split the work into shorter steps that write progress to workspace files.`
    );
  } else if (result.exitCode === 0) {
    notes.push("The command finished (exit code 0).");
  } else {
    notes.push(`The command failed with exit code ${result.exitCode}.`);
    if (result.exitCode === 127 || (MISSING.test(result.stderr) && /not found/i.test(result.stderr))) {
      notes.push(
        "A program it needs is not installed in the sandbox. Ask the owner to add it to the container image (the Dockerfile), " +
          "or do the job with what is there: JavaScript runs in tier 1 (run_code)."
      );
    }
    if (NETWORK.test(result.stderr)) {
      notes.push(
        "The sandbox has no network (only hosts on its allowlist, and none locally). To read a web page use the browser (tier 3); " +
          "to add a host, the owner sets SANDBOX_ALLOWED_HOSTS."
      );
    }
  }
  if (result.truncated) notes.push("The output was cut at the output limit; redirect it to a workspace file (`cmd > out.txt`) and read that file.");
  const changes = result.changed.length + result.deleted.length;
  if (changes) notes.push(`${result.changed.length} file(s) changed and ${result.deleted.length} deleted in the workspace.`);
  return notes.join(" ");
}

/** The summary plus the start of the output, so `/sh` shows what the command printed. */
function withOutput(result: SandboxExecResult, summary: string): string {
  const preview = (label: string, text: string) => {
    const trimmed = text.replace(/\s+$/, "");
    if (!trimmed) return "";
    const cut = trimmed.length > 4000 ? `${trimmed.slice(0, 4000)}\n…` : trimmed;
    return `${label}${cut}\n`;
  };
  return `${preview("", result.stdout)}${preview("stderr:\n", result.stderr)}${summary}`;
}
