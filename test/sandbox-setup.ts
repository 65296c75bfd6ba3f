// vitest globalSetup (runs in Node, not workerd): starts the local process
// sandbox the tier 4 tests use, and a loopback TCP port a sandboxed command
// must NOT be able to reach. Values reach the Worker as bindings via `inject`
// (vitest.config.ts) and the tests via `inject` too.
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startSandboxServer } from "./sandbox-server";

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

export default async function setup(project: TestProject) {
  // Given to the sandbox server's environment and to the Worker's egress
  // credentials: the tests check it never shows up in any output.
  const secret = `sk-steward-test-${randomBytes(12).toString("hex")}`;
  const sandbox = await startSandboxServer("test", { STEWARD_TEST_SECRET: secret });
  const listener = createServer((socket) => socket.end("reachable\n"));
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  const loopbackPort = typeof address === "object" && address ? address.port : 0;

  project.provide("sandboxUrl", sandbox.url);
  project.provide("sandboxToken", sandbox.token);
  project.provide("sandboxSecret", secret);
  project.provide("loopbackPort", loopbackPort);
  const shmMarker = `steward-host-shm-${process.pid}`;
  writeFileSync(join("/dev/shm", shmMarker), "host\n");
  project.provide("shmMarker", shmMarker);

  return async () => {
    listener.close();
    await sandbox.stop();
    rmSync(join("/dev/shm", shmMarker), { force: true });
  };
}
