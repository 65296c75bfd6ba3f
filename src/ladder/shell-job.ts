import type { Workspace } from "@cloudflare/computer";
import { DEFAULT_OUTPUT_BYTES, MAX_SHELL_TIMEOUT_MS, SandboxUnavailableError } from "./sandbox/backend";
import type { OutputListener, SandboxBackend, SandboxExecResult } from "./sandbox/backend";
import { relayOutput } from "./live-output";
import { sandboxBackend } from "./sandbox";
import { applyChanges, snapshotWorkspace } from "./sandbox/workspace-sync";
import { shellFailure, shellOutput } from "./shell";
import type { ShellOutput } from "./shell";
import type { FiberHost, JobLedger, JobSpec } from "./jobs";
import { errorText } from "../shared/error-text";
import { isWholeNumber } from "../util/whole-number";

export interface ShellJobInput {
  command: string;
  timeoutMs: number;
}

/** What a tier 4 job needs from the user's Assistant. */
export interface ShellJobHost extends FiberHost {
  readonly name: string;
  readonly env: Env;
  readonly workspace: Workspace;
}

/**
 * A tier 4 command as a durable job: sync the workspace in, run, copy the
 * changes back. The job id goes to the sandbox, which keeps the result, so a
 * crash between "ran" and "recorded" is reconciled from the sandbox's record.
 */
export function shellJob(host: ShellJobHost, backend: SandboxBackend, onOutput?: OutputListener): JobSpec<ShellJobInput, SandboxExecResult> {
  return {
    kind: "shell",
    async run(input, key) {
      const files = await snapshotWorkspace(host.workspace.fs);
      const result = await backend.exec(host.name, input.command, {
        timeoutMs: input.timeoutMs,
        maxOutputBytes: DEFAULT_OUTPUT_BYTES,
        files,
        jobId: key,
        onOutput: relayOutput(onOutput)
      });
      await applyChanges(host.workspace.fs, result.changed, result.deleted);
      return result;
    },
    async reconcile(_input, key) {
      const result = await backend.jobResult(host.name, key);
      if (result) await applyChanges(host.workspace.fs, result.changed, result.deleted);
      return result;
    }
  };
}

export async function runShellJob(
  host: ShellJobHost,
  jobs: JobLedger,
  baseKey: string,
  command: string,
  timeoutMs: number,
  onOutput?: OutputListener
): Promise<ShellOutput> {
  if (typeof command !== "string" || !command.trim()) return shellFailure("The command is empty.");
  if (!isWholeNumber(timeoutMs, 100, MAX_SHELL_TIMEOUT_MS)) {
    return shellFailure(`timeoutMs must be a whole number of milliseconds from 100 to ${MAX_SHELL_TIMEOUT_MS}.`);
  }
  const backend = sandboxBackend(host.env);
  if ("unavailable" in backend) return shellFailure(`Tier 4 is not available: ${backend.unavailable}.`);
  try {
    await host.workspace.ready();
    const outcome = await jobs.run(host, shellJob(host, backend, onOutput), baseKey, { command, timeoutMs });
    if (outcome.lost || !outcome.result) return shellFailure(outcome.lost ?? "The job left no result.");
    return shellOutput(outcome.result, timeoutMs, outcome.reconciled);
  } catch (error) {
    const message = errorText(error);
    if (error instanceof SandboxUnavailableError) return shellFailure(`Tier 4 is not available: ${message}.`);
    return shellFailure(`The sandbox could not run the command: ${message}`);
  }
}

/** Called from the Assistant's onFiberRecovered for a `job:shell` fiber. */
export async function recoverShellJob(host: ShellJobHost, jobs: JobLedger, snapshot: unknown): Promise<void> {
  const backend = sandboxBackend(host.env);
  if ("unavailable" in backend) return;
  await jobs.recover(shellJob(host, backend), snapshot);
}
