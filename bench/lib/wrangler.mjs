// `wrangler dev` for a bench: bundled once, served from a state directory of
// its own, in its own process group (wrangler → node → workerd) so stopping it
// leaves nothing behind.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "./time.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
export const QUIET_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true" };

/**
 * Bundles the Worker of `config` once, for `startWrangler({ bundle })`: `wrangler
 * dev` would otherwise rebuild and restart workerd (dropping every agent)
 * whenever a file under src/ changes during the run.
 */
export function buildOnce({ config, stateDir }) {
  const outdir = join(stateDir, "build");
  const { status, stdout, stderr } = spawnSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "-c", config], {
    cwd: ROOT,
    env: QUIET_ENV,
    encoding: "utf8",
    timeout: 180_000
  });
  if (status !== 0) throw new Error(`bundling failed (exit ${status}):\n${stdout}\n${stderr}`);
  return join(outdir, "worker.js");
}

/**
 * Starts `wrangler dev -c config` on 127.0.0.1:port (inspector on port + 1),
 * persisting to and logging into `stateDir`; `bundle` serves a prebuilt
 * bundle with --no-bundle, `vars` become --var flags, `args` are appended.
 */
export function startWrangler({ config, port, stateDir, bundle, vars = {}, args = [] }) {
  const log = join(stateDir, "wrangler.log");
  const fd = openSync(log, "a");
  const argv = [
    WRANGLER,
    "dev",
    ...(bundle ? [bundle, "--no-bundle"] : []),
    "-c",
    config,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-ip",
    "127.0.0.1",
    "--inspector-port",
    String(port + 1),
    "--persist-to",
    join(stateDir, "state"),
    "--show-interactive-dev-session=false",
    // Benches run many turns per user per minute: the per-user limits (src/limits, tested in
    // test/limits) are lifted unless a bench sets them.
    ...Object.entries({ TURNS_PER_MINUTE: "0", TOKENS_PER_DAY: "0", ...vars }).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ...args
  ];
  const child = spawn(process.execPath, argv, { cwd: ROOT, detached: true, stdio: ["ignore", fd, fd], env: QUIET_ENV });
  let exited = false;
  let stopped = false; // after stop() the group id may be reused: never signal it again
  child.on("exit", () => (exited = true));
  const kill = (signal) => {
    if (stopped) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const handle = {
    pgid: child.pid,
    port,
    log,
    exited: () => exited,
    kill,
    /** Pids in wrangler's process group, from /proc. */
    groupPids: () => groupPids(child.pid),
    /** The last lines of wrangler's log, for a failure report. */
    tail: (lines = 30) => (existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-lines).join("\n") : ""),
    async stop() {
      kill("SIGTERM");
      for (let i = 0; i < 50 && handle.groupPids().length; i++) await sleep(100);
      kill("SIGKILL");
      stopped = true;
    }
  };
  return handle;
}

/**
 * Polls GET /api/me until `ready(status)`: by default 401, the Worker
 * answering a request without credentials.
 */
export async function waitReady(wrangler, { timeoutMs = 60_000, ready = (status) => status === 401 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (wrangler.exited()) throw new Error("wrangler dev exited during startup");
    const status = await fetch(`http://127.0.0.1:${wrangler.port}/api/me`, { signal: AbortSignal.timeout(20_000) }).then(
      (r) => r.status,
      () => 0
    );
    if (ready(status)) return;
    await sleep(250);
  }
  throw new Error(`wrangler dev was not ready within ${timeoutMs / 1000} s`);
}

function groupPids(pgid) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // state ppid pgrp ...
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}
