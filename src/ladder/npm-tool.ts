import { tool } from "ai";
import { z } from "zod";
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, runCode } from "./isolate";
import type { RunCodeOutput } from "./isolate";
import { NPM_BACKEND } from "./npm";
import type { NpmBundleOutcome } from "./npm";
import { errorText } from "../shared/error-text";

export interface NpmRunOutput extends RunCodeOutput {
  /** Resolved packages, dependencies included. */
  packages?: string[];
  /** True when the bundle came from the cache (no registry traffic). */
  cached?: boolean;
}

interface NpmHost {
  runtime: () => Parameters<typeof runCode>[0];
  /** Bundles (or finds in the cache) the dependency set; runs in the user's Assistant. */
  bundle: (code: string, versions: Record<string, string>) => Promise<NpmBundleOutcome>;
}

/** Tier 2: the model's code with registry packages, bundled, then run like tier 1. */
export async function runNpm(host: NpmHost, code: string, versions: Record<string, string> = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<NpmRunOutput> {
  let bundled: Exclude<NpmBundleOutcome, { error: string }>;
  try {
    // The Assistant reads the imports (esbuild), bundles them and returns the module to run.
    const outcome = await host.bundle(code, versions);
    if ("error" in outcome) throw new Error(outcome.error);
    bundled = outcome;
  } catch (error) {
    const message = errorText(error);
    return { ok: false, stdout: "", stderr: message, text: `Tier 2 could not prepare the packages.\n${message}` };
  }
  const result = await runCode(host.runtime(), bundled.module, timeoutMs, { backend: NPM_BACKEND, tier: 2 });
  const note = `Packages: ${bundled.manifest.installed.join(", ") || "(none)"}${bundled.cached ? " (cached bundle)" : " (bundled now)"}`;
  return { ...result, text: `${result.text}\n\n${note}`, packages: bundled.manifest.installed, cached: bundled.cached };
}

export function runNpmTool(host: NpmHost) {
  return tool({
    description:
      'Tier 2: like run_code, plus packages from the npm registry. `import { z } from "zod"` (any bare import, or `await import("zod")`) is fetched and bundled before the run, then cached; the code itself still has no network. Use import, not require(). Use it when run_code reports a missing module. Pin versions with `packages` (e.g. {"zod": "^4"}); the default is the latest version.',
    inputSchema: z.object({
      code: z.string().min(1).describe("JavaScript: an expression, a body with return, or an ES module; may import npm packages"),
      packages: z.record(z.string(), z.string()).optional().describe("Optional version ranges by package name, for packages the code imports"),
      timeoutMs: z.number().int().min(100).max(MAX_TIMEOUT_MS).optional().describe(`Time limit in ms for the run (default ${DEFAULT_TIMEOUT_MS})`)
    }),
    execute: async ({ code, packages, timeoutMs }) => runNpm(host, code, packages ?? {}, timeoutMs)
  });
}
