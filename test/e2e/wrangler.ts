/**
 * Starts and stops `wrangler dev` for end-to-end tests: a free loopback port,
 * its own process group (npx → node → workerd) so it can be stopped — or
 * killed outright, to simulate a crash — as one.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { delimiter, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "node_modules", ".bin");

/** wrangler needs Node >= 22.12: the `node` devDependency in node_modules/.bin comes first. */
export const NODE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false"
};

export interface Wrangler {
  baseURL: string;
  log(): string;
  /** Graceful: SIGTERM the group, SIGKILL what is left after 10 s. */
  stop(): Promise<void>;
  /** A crash: SIGKILL the whole group at once. */
  kill(): Promise<void>;
}

export async function startWrangler(options: { persistTo: string; vars: Record<string, string>; devUser: string }): Promise<Wrangler> {
  const [port, inspectorPort] = await freePorts(2);
  // Files share one server and dev user: the per-user limits (src/limits, tested in test/limits)
  // are lifted so a busy minute of tests is not refused; a test may set them.
  const vars = Object.entries({ TURNS_PER_MINUTE: "0", TOKENS_PER_DAY: "0", ...options.vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn(
    join(BIN, "wrangler"),
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      options.persistTo,
      ...vars,
      "--show-interactive-dev-session=false",
      "--log-level",
      "info"
    ],
    { cwd: ROOT, env: NODE_ENV, detached: true, stdio: ["ignore", "pipe", "pipe"] }
  );
  let log = "";
  const keep = (chunk: Buffer) => {
    log += chunk.toString("utf8");
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const wrangler: Wrangler = {
    baseURL: `http://127.0.0.1:${port}`,
    log: () => log,
    stop: () => stopGroup(child),
    kill: async () => {
      const exited = new Promise<void>((done) => (child.exitCode !== null ? done() : child.once("exit", () => done())));
      killGroup(child.pid, "SIGKILL");
      await Promise.race([exited, sleep(5_000)]);
    }
  };
  try {
    await waitForWorker(wrangler.baseURL, child, options.devUser, () => log);
  } catch (error) {
    await wrangler.stop();
    throw error;
  }
  return wrangler;
}

/** Ready when /api/me answers as the dev user (the first request loads the agent graph). */
async function waitForWorker(baseURL: string, child: ChildProcess, devUser: string, log: () => string): Promise<void> {
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
        if (me.id === `dev:${devUser}`) return;
        throw new Error(`/api/me says ${body}, expected the dev user "${devUser}" (does .dev.vars override DEV_USER?)`);
      }
      last = `HTTP ${response.status}: ${body.slice(0, 200)}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("/api/me says")) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(250);
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

export function freePorts(count: number): Promise<number[]> {
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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}
