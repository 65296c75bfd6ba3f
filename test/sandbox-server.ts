// Starts scripts/sandbox-server.mjs (the local tier 4 backend) for a test
// run, in Node: the workerd pool's setup and the end-to-end setup share it.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

export interface SandboxServer {
  url: string;
  token: string;
  stop(): Promise<void>;
}

export async function startSandboxServer(name: string, env: Record<string, string> = {}): Promise<SandboxServer> {
  const token = randomBytes(24).toString("hex");
  const sandboxRoot = join("/tmp", `steward-sandbox-${name}-${process.pid}`);
  const server = spawn(process.execPath, [join(root, "scripts", "sandbox-server.mjs")], {
    env: { ...process.env, ...env, SANDBOX_TOKEN: token, PORT: "0", SANDBOX_ROOT: sandboxRoot },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the sandbox server did not start")), 15_000);
    let out = "";
    server.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server.on("exit", (code) =>
      reject(new Error(`the sandbox server exited (${code}): it needs bubblewrap (apt-get install bubblewrap); its reason is above`))
    );
  });
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
