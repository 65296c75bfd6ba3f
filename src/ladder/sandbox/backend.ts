/**
 * Tier 4: one interface over the two places a shell command can run — a
 * `@cloudflare/sandbox` container in production, a local process sandbox in
 * development and tests. Which one runs is configuration (SANDBOX_BACKEND),
 * never a code change.
 */

/** A workspace file on the wire: path relative to /workspace, bytes as base64. */
export interface SyncedFile {
  path: string;
  data: string;
}

export interface SandboxExecOptions {
  timeoutMs: number;
  /** Per stream (stdout, stderr). */
  maxOutputBytes: number;
  /** The workspace as it is now; the sandbox is made to match it before the command runs. */
  files: SyncedFile[];
  /** Idempotency key: a repeat with the same id returns the recorded result instead of running again. */
  jobId: string;
  /** Hears the output while the command runs (up to maxOutputBytes per stream); the result still carries all of it. */
  onOutput?: OutputListener;
}

export type OutputListener = (stream: "stdout" | "stderr", text: string) => void;

export interface SandboxExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Output went past maxOutputBytes and was cut. */
  truncated: boolean;
  /** The time limit killed the command (and everything it started). */
  timedOut: boolean;
  /** Files the command created or changed, to copy back into the workspace. */
  changed: SyncedFile[];
  /** Workspace files the command deleted. */
  deleted: string[];
  durationMs: number;
}

export interface SandboxBackend {
  readonly kind: "process" | "container";
  exec(user: string, command: string, options: SandboxExecOptions): Promise<SandboxExecResult>;
  /**
   * The recorded result of an earlier job, waiting for it if it is still
   * running; null when the sandbox has no record of it (it never started).
   */
  jobResult(user: string, jobId: string): Promise<SandboxExecResult | null>;
}

export class SandboxUnavailableError extends Error {}

export const DEFAULT_SHELL_TIMEOUT_MS = 30_000;
export const MAX_SHELL_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_OUTPUT_BYTES = 64 * 1024;
