/**
 * End-to-end setup: build the chat page, start `wrangler dev` on a free
 * loopback port with its own throwaway state, and hand the tests its URL.
 * Teardown stops wrangler's whole process group (npx → node → workerd).
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
    chromiumPath: string;
    devUser: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "node_modules", ".bin");
const RESULTS = join(ROOT, "test-results", "e2e");
const DEV_USER = "e2e-user";
/** Debian's Chromium; CHROMIUM_PATH points elsewhere (e.g. to check the failure message). */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. The end-to-end tests drive Debian's Chromium (no browser is downloaded): ` +
        "run `apt-get update && apt-get install -y chromium` and try again."
    );
  }
  mkdirSync(RESULTS, { recursive: true });

  // wrangler needs Node >= 22.12: the `node` devDependency in node_modules/.bin comes first.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`,
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false"
  };

  const started = Date.now();
  const build = spawnSync(join(BIN, "vite"), ["build", "--logLevel", "error"], { cwd: ROOT, env, encoding: "utf8" });
  if (build.status !== 0) {
    throw new Error(`vite build failed (exit ${build.status ?? build.signal}):\n${build.stdout}${build.stderr}`);
  }
  const builtMs = Date.now() - started;

  const [port, inspectorPort] = await freePorts(2);
  const persistTo = mkdtempSync(join(tmpdir(), "steward-e2e-"));
  const wrangler = spawn(
    join(BIN, "wrangler"),
    [
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", persistTo,
      "--var", `DEV_USER:${DEV_USER}`,
      "--show-interactive-dev-session=false",
      "--log-level", "info"
    ],
    // Its own process group, so teardown can stop wrangler and every workerd it started.
    { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] }
  );
  let log = "";
  const keep = (chunk: Buffer) => {
    log += chunk.toString("utf8");
  };
  wrangler.stdout?.on("data", keep);
  wrangler.stderr?.on("data", keep);

  const stop = async () => {
    await stopGroup(wrangler);
    writeFileSync(join(RESULTS, "wrangler.log"), log);
    rmSync(persistTo, { recursive: true, force: true });
  };

  const baseURL = `http://127.0.0.1:${port}`;
  try {
    await waitForWorker(baseURL, wrangler, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  console.log(`[e2e] vite build ${builtMs} ms; wrangler dev ready at ${baseURL} after ${Date.now() - started - builtMs} ms`);

  project.provide("baseURL", baseURL);
  project.provide("chromiumPath", CHROMIUM);
  project.provide("devUser", DEV_USER);
  return stop;
}

/** Ready when /api/me answers as the e2e dev user (the first request loads the agent graph). */
async function waitForWorker(baseURL: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(log())}`);
    }
    try {
      const response = await fetch(`${baseURL}/api/me`, { signal: AbortSignal.timeout(30_000) });
      const body = await response.text();
      if (response.ok) {
        const me = JSON.parse(body) as { id?: unknown };
        if (me.id === `dev:${DEV_USER}`) return;
        throw new Error(`/api/me says ${body}, expected the dev user "${DEV_USER}" (does .dev.vars override DEV_USER?)`);
      }
      last = `HTTP ${response.status}: ${body.slice(0, 200)}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("/api/me says")) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev was not ready within 120 s (last: ${last}):\n${tail(log())}`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (!pid || child.exitCode !== null || child.signalCode !== null) {
    killGroup(pid, "SIGKILL"); // stragglers whose parent already left
    return;
  }
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  killGroup(pid, "SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
  // workerd children may outlive the wrangler process by a moment; make sure.
  killGroup(pid, timedOut ? "SIGKILL" : "SIGTERM");
  if (timedOut) await Promise.race([exited, sleep(2_000)]);
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

function freePorts(count: number): Promise<number[]> {
  // Hold all listeners open until every port is known, so the ports differ.
  const servers = Array.from({ length: count }, () => createServer());
  return Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((done, fail) => {
          server.once("error", fail);
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            if (address && typeof address === "object") done(address.port);
            else fail(new Error("no port"));
          });
        })
    )
  ).finally(() => Promise.all(servers.map((s) => new Promise((done) => s.close(done)))));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}
