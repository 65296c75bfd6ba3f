// Starts one of Steward's loopback servers (scripts/sandbox-server.mjs, scripts/speech-server.mjs) as a
// child process and waits for its first line, "… listening on http://…". Used by `npm run dev` and the tests.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * `url` is null when the server exits or has not said where it listens within `timeoutMs`; `errors()` is
 * what it wrote to stderr. `detached` puts it in its own process group (stop it with `process.kill(-pid)`).
 * @param {string} script  a file in scripts/
 * @param {Record<string, string>} env  its whole environment
 * @param {{ detached?: boolean, timeoutMs?: number }} [options]
 * @returns {Promise<{ url: string | null, child: import("node:child_process").ChildProcess, errors: () => string }>}
 */
export async function startLoopbackServer(script, env, { detached = false, timeoutMs = 10_000 } = {}) {
  const child = spawn(process.execPath, [join(root, "scripts", script)], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached });
  let errors = "";
  child.stderr?.on("data", (/** @type {Buffer} */ chunk) => (errors += chunk.toString()));
  /** @type {string | null} */
  const url = await new Promise((resolve) => {
    let out = "";
    child.stdout?.on("data", (/** @type {Buffer} */ chunk) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1] ?? null);
    });
    child.on("exit", () => resolve(null));
    setTimeout(() => resolve(null), timeoutMs);
  });
  return { url, child, errors: () => errors };
}
