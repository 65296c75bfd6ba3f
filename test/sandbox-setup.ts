// vitest globalSetup (runs in Node, not workerd): starts the local process
// sandbox the tier 4 tests use, and a loopback TCP port a sandboxed command
// must NOT be able to reach. Values reach the Worker as bindings via `inject`
// (vitest.config.ts) and the tests via `inject` too.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    sandboxUrl: string;
    sandboxToken: string;
    sandboxSecret: string;
    loopbackPort: number;
    /** A file this setup puts in the host's /dev/shm: a sandboxed command must not see it. */
    shmMarker: string;
  }
}

const root = dirname(dirname(fileURLToPath(import.meta.url)));

export default async function setup(project: TestProject) {
  const token = randomBytes(24).toString("hex");
  // Given to the sandbox server's environment and to the Worker's egress
  // credentials: the tests check it never shows up in any output.
  const secret = `sk-steward-test-${randomBytes(12).toString("hex")}`;
  const sandboxRoot = join("/tmp", `steward-sandbox-test-${process.pid}`);
  const server = spawn(process.execPath, [join(root, "scripts", "sandbox-server.mjs")], {
    env: { ...process.env, SANDBOX_TOKEN: token, PORT: "0", SANDBOX_ROOT: sandboxRoot, STEWARD_TEST_SECRET: secret },
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
  const listener = createServer((socket) => socket.end("reachable\n"));
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  const loopbackPort = typeof address === "object" && address ? address.port : 0;

  project.provide("sandboxUrl", url);
  project.provide("sandboxToken", token);
  project.provide("sandboxSecret", secret);
  project.provide("loopbackPort", loopbackPort);
  const shmMarker = `steward-host-shm-${process.pid}`;
  writeFileSync(join("/dev/shm", shmMarker), "host\n");
  project.provide("shmMarker", shmMarker);

  return async () => {
    listener.close();
    try {
      if (server.pid) process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    rmSync(sandboxRoot, { recursive: true, force: true });
    rmSync(join("/dev/shm", shmMarker), { force: true });
  };
}
