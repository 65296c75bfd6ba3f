import { tool } from "ai";
import { z } from "zod";
import { WorkerJavaScriptBackend } from "@cloudflare/computer/backends/worker-javascript";
import type { WorkspaceRuntimeResult } from "@cloudflare/computer";
import { errorText } from "../shared/error-text";

/**
 * Tier 1: model-written JavaScript in a fresh Dynamic Worker. The isolate has
 * no network (globalOutbound: null) and reaches the user's files only through
 * the workspace-backed `node:fs/promises` the backend installs.
 */
export const ISOLATE_BACKEND = "js";
export const DEFAULT_TIMEOUT_MS = 5_000;
export const MAX_TIMEOUT_MS = 30_000;
const MAX_CODE_BYTES = 64 * 1024;

export function isolateBackend(loader: WorkerLoader): WorkerJavaScriptBackend {
  return new WorkerJavaScriptBackend({
    id: ISOLATE_BACKEND,
    loader,
    access: "read-write",
    globalOutbound: null,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
    maxTimeoutMs: MAX_TIMEOUT_MS
  });
}

/**
 * Accepts three shapes: a module with `export default`, a function body that
 * uses `return`, or a single expression (`6*7`). The isolate cannot `eval`, so
 * the shape is decided here from the text.
 */
export function toModule(code: string): string {
  if (/^\s*export\s+default\b/m.test(code)) return code;
  const body = code.trim().replace(/;\s*$/, "");
  const statementy = /^(const|let|var|if|for|while|do|switch|try|throw|return|function|class|import|await\s)/.test(body) || /[;\n]/.test(body);
  if (!statementy) return `export default async function () {\n  return (\n${body}\n  );\n}\n`;
  const imports = body.match(/^import\s[^\n]*$/gm) ?? [];
  const rest = body.replace(/^import\s[^\n]*$/gm, "");
  return `${imports.join("\n")}\nexport default async function () {\n${rest}\n}\n`;
}

export interface RunCodeOutput {
  ok: boolean;
  value?: unknown;
  stdout: string;
  stderr: string;
  /** Plain-language summary; for failures it names what would work instead. */
  text: string;
}

interface Runtime {
  exec(
    source: string,
    options: { backend: string; encoding: "utf8"; timeoutMs: number }
  ): Promise<{ result(): Promise<WorkspaceRuntimeResult<"utf8">> } & Partial<Disposable>>;
}

/** Tier 2 runs the same way on its own backend (src/ladder/npm.ts). */
export interface RunOn {
  backend: string;
  tier: 1 | 2;
}

export async function runCode(
  runtime: Runtime,
  code: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  on: RunOn = { backend: ISOLATE_BACKEND, tier: 1 }
): Promise<RunCodeOutput> {
  if (new TextEncoder().encode(code).length > MAX_CODE_BYTES) {
    return failure("", "", `The code is larger than ${MAX_CODE_BYTES / 1024} KiB; write it to a workspace file in parts instead.`);
  }
  let handle: Awaited<ReturnType<Runtime["exec"]>>;
  try {
    handle = await runtime.exec(toModule(code), {
      backend: on.backend,
      encoding: "utf8",
      timeoutMs: Math.min(Math.max(100, timeoutMs), MAX_TIMEOUT_MS)
    });
  } catch (error) {
    // The backend refuses some modules before anything runs (e.g. an unknown import).
    const message = errorText(error);
    return failure("", message, explainFailure(message, timeoutMs, on.tier));
  }
  try {
    const result = await handle.result();
    if (result.status === "completed" && result.exitCode === 0) {
      return {
        ok: true,
        value: result.value,
        stdout: result.stdout,
        stderr: result.stderr,
        text: describeValue(result.value, result.stdout)
      };
    }
    return failure(result.stdout, result.stderr, explainFailure(result.stderr, timeoutMs, on.tier));
  } finally {
    handle[Symbol.dispose]?.();
  }
}

export function runCodeTool(runtime: () => Runtime) {
  return tool({
    description:
      'Tier 1: run JavaScript in an isolated Worker with no network. Use it for computation and for reading or transforming workspace files via `import { readFile, writeFile } from "node:fs/promises"` (paths under /workspace). Pass an expression (`6*7`), a function body using `return`, or a module with `export default async function () {}`. The returned value comes back as JSON; console.log output is captured.',
    inputSchema: z.object({
      code: z.string().min(1).describe("JavaScript: an expression, a body with return, or an ES module"),
      timeoutMs: z.number().int().min(100).max(MAX_TIMEOUT_MS).optional().describe(`Time limit in ms (default ${DEFAULT_TIMEOUT_MS}, max ${MAX_TIMEOUT_MS})`)
    }),
    execute: async ({ code, timeoutMs }) => runCode(runtime(), code, timeoutMs)
  });
}

function failure(stdout: string, stderr: string, text: string): RunCodeOutput {
  return { ok: false, stdout, stderr, text };
}

export function explainFailure(stderr: string, timeoutMs: number, tier: 1 | 2 = 1): string {
  const detail = stderr.trim().split("\n").slice(-3).join("\n");
  if (/outbound|internet|network|fetch|connect|globalOutbound/i.test(stderr)) {
    return [
      `Tier ${tier} has no network access, so the code could not reach the internet.`,
      "Reading a web page needs tier 3 (browser): the browse tool opens it in a real browser and returns it as Markdown.",
      "Using a package needs tier 2 (npm, the run_npm tool); other network work needs tier 4 (container).",
      `Detail: ${detail}`
    ].join("\n");
  }
  if (/time(d)?[ -]?out|timeout|deadline|exceeded|cpu/i.test(stderr)) {
    return [
      `The code did not finish within its time limit (${timeoutMs} ms) and was stopped.`,
      `Tier ${tier} allows up to ${MAX_TIMEOUT_MS} ms; longer jobs need tier 4 (container).`,
      `Detail: ${detail}`
    ].join("\n");
  }
  if (/Cannot find module|No such module|Failed to resolve|not configured for the worker-javascript|import/i.test(stderr)) {
    return [
      "The code imports a module tier 1 does not have. Tier 1 offers only node:fs/promises for workspace files;",
      "packages from npm need tier 2 (npm): run the same code with the run_npm tool (or /npm), which bundles its imports.",
      `Detail: ${detail}`
    ].join("\n");
  }
  return `The code failed:\n${detail || "(no error output)"}`;
}

function describeValue(value: unknown, stdout: string): string {
  const shown = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value, null, 2);
  const out = stdout.trim();
  if (out && shown) return `${shown}\n\nOutput:\n${out}`;
  return shown || out || "(no value)";
}
