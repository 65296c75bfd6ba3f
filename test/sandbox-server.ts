// Starts scripts/sandbox-server.mjs (the local tier 4 backend) for a test
// run, in Node: the workerd pool's setup and the end-to-end setup share it.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startLoopbackServer } from "../scripts/loopback-server.mjs";

export interface SandboxServer {
  url: string;
  token: string;
  stop(): Promise<void>;
}

export async function startSandboxServer(name: string, env: Record<string, string> = {}): Promise<SandboxServer> {
  const token = randomBytes(24).toString("hex");
  const sandboxRoot = join("/tmp", `steward-sandbox-${name}-${process.pid}`);
  const {
    url,
    child: server,
    errors
  } = await startLoopbackServer(
    "sandbox-server.mjs",
    { ...process.env, ...env, SANDBOX_TOKEN: token, PORT: "0", SANDBOX_ROOT: sandboxRoot } as Record<string, string>,
    { detached: true, timeoutMs: 15_000 }
  );
  if (!url) throw new Error(`the sandbox server did not start: it needs bubblewrap (apt-get install bubblewrap).\n${errors().trim()}`);
  return {
    url,
    token,
    async stop() {
      try {
        if (server.pid) process.kill(-server.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      rmSync(sandboxRoot, { recursive: true, force: true });
    }
  };
}
