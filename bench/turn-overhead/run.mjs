// Steward's per-turn overhead over a bare Think agent, first-contact
// throughput, and memory per idle agent, all on one local `wrangler dev`.
// Run with `npm run bench -- turn-overhead [--turns 200] [--users 200] ...`.
// Talks only to 127.0.0.1; the Access key is generated per run.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SignJWT, exportJWK, generateKeyPair } from "jose";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const EXPECTED_TEXT = "Hello from the bench model."; // worker.ts DELTAS
const ISSUER = "https://steward-bench.cloudflareaccess.com";
const AUDIENCE = "steward-bench";
const TIMEOUT_MS = 15_000; // any single socket open, RPC or turn
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const CONFIG = "bench/turn-overhead/wrangler.jsonc";
const QUIET_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true" };

const { values: opt } = parseArgs({
  options: {
    turns: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
    users: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
    settle: { type: "string", default: "5" }, // seconds before each RSS reading
    "first-turn": { type: "string", default: "text" } // "text" or "run" (/run 1+1, a Dynamic Worker)
  }
});
const N = positive("turns");
const WARMUP = positive("warmup", true);
const K = positive("users");
if (K < 2) fail("--users must be at least 2 (memory is read after each half)");
const CONCURRENCY = positive("concurrency");
const SETTLE_S = positive("settle", true);
const FIRST_TURN = { text: "hello", run: "/run 1+1" }[opt["first-turn"]];
if (!FIRST_TURN) fail('--first-turn must be "text" or "run"');
if (Number(process.versions.node.split(".")[0]) < 22) fail("needs Node 22 (wrangler, global WebSocket): run it through `npm run bench`");

// ── The Worker under test ────────────────────────────────────────────

const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" }] };
const tokens = new Map(); // sub → signed Access JWT
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-"));
const SOURCE = gitRevision(); // read before bundling: what the bundle was built from
let wrangler;
await main();

async function main() {
  process.on("SIGINT", () => process.exit(130)); // "exit" below stops wrangler
  process.on("SIGTERM", () => process.exit(143));
  process.on("exit", () => {
    wrangler?.kill("SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  });
  try {
    wrangler = startWrangler(buildOnce());
    await waitReady();
    const results = await runAll();
    writeFileSync(join(HERE, "last-run.json"), JSON.stringify(results, null, 2) + "\n");
    printTable(results);
    console.log("\nwrote bench/turn-overhead/last-run.json");
  } catch (error) {
    console.error(`bench failed: ${error?.stack ?? error}`);
    if (wrangler) console.error(`--- wrangler log (tail) ---\n${readFileSync(wrangler.log, "utf8").split("\n").slice(-30).join("\n")}`);
    process.exitCode = 1;
  } finally {
    await wrangler?.stop();
  }
}

async function runAll() {
  const runId = randomUUID().slice(0, 8);
  const load0 = round(loadavg()[0], 2);

  // Turn sockets: a Steward session (with its /agent socket open, as the web
  // app keeps it) and a bare Think instance. Warm both before any reading.
  const owner = await open("/agent", `turns-${runId}`);
  const session = await rpc(owner, "createSession", [{ title: "bench" }]);
  const steward = await open(`/agent/sub/conversation/${session.id}`, `turns-${runId}`);
  const bare = await open(`/agents/bare-think/turns-${runId}`, `turns-${runId}`);
  for (let i = 0; i < WARMUP; i++) {
    await turn(steward);
    await turn(bare);
  }

  // (b) + (c): K users' first contact in two halves, reading workerd RSS
  // before, between and after. The second half's growth is the marginal cost
  // per user, without the one-off costs (JIT, heap growth) early agents pay.
  const users = Array.from({ length: K }, (_, i) => `user-${runId}-${i}`);
  const half = Math.ceil(K / 2);
  const rss = [];
  const halves = [];
  for (const group of [users.slice(0, half), users.slice(half)]) {
    await sleep(SETTLE_S * 1000);
    rss.push(workerdRss());
    halves.push(await firstContacts(group));
  }
  await sleep(SETTLE_S * 1000);
  rss.push(workerdRss());
  if (new Set(rss.map((r) => r.pid)).size !== 1) throw new Error("workerd restarted during the run; memory figures are void");
  const firstContact = mergeFirstContacts(halves);

  // (a): N turns per side, alternating which side goes first.
  const conns = { steward, bare };
  const samples = { steward: [], bare: [] };
  for (let i = 0; i < N; i++) {
    const order = i % 2 === 0 ? ["steward", "bare"] : ["bare", "steward"];
    for (const side of order) samples[side].push(await turn(conns[side]));
  }

  // workerd CPU per turn, which load from other processes hardly skews: ABBA
  // blocks of N/4 turns, each read after a short pause for trailing work.
  const cpu = { steward: { ms: 0, turns: 0 }, bare: { ms: 0, turns: 0 } };
  const block = Math.max(1, Math.floor(N / 4));
  for (const side of ["bare", "steward", "steward", "bare"]) {
    const before = workerdCpuMs();
    for (let i = 0; i < block; i++) await turn(conns[side]);
    await sleep(200);
    cpu[side].ms += workerdCpuMs() - before;
    cpu[side].turns += block;
  }
  for (const s of [owner, steward, bare]) s.close();
  const cpuPerTurn = (side) => round(cpu[side].ms / cpu[side].turns, 2);

  const quarter = Math.max(1, Math.floor(N / 4));
  const summarize = (list) => ({
    ttftMs: stats(list.map((s) => s.ttft)),
    doneMs: stats(list.map((s) => s.done)),
    // Think sends the whole history to the model each turn: does cost grow with it?
    doneP50FirstQuarter: stats(list.slice(0, quarter).map((s) => s.done)).p50,
    doneP50LastQuarter: stats(list.slice(-quarter).map((s) => s.done)).p50
  });
  const turns = {
    steward: { ...summarize(samples.steward), workerdCpuMsPerTurn: cpuPerTurn("steward") },
    bare: { ...summarize(samples.bare), workerdCpuMsPerTurn: cpuPerTurn("bare") }
  };
  const ratio = (key, q) => round(turns.steward[key][q] / turns.bare[key][q], 2);
  return {
    at: new Date().toISOString(),
    source: SOURCE,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "", node: process.version, loadavg1m: { start: load0, end: round(loadavg()[0], 2) } },
    options: { turns: N, warmup: WARMUP, users: K, concurrency: CONCURRENCY, settleSeconds: SETTLE_S, firstTurn: FIRST_TURN },
    turns: {
      ...turns,
      cpuTurnsPerSide: cpu.steward.turns,
      ratio: {
        ttftP50: ratio("ttftMs", "p50"),
        ttftP95: ratio("ttftMs", "p95"),
        doneP50: ratio("doneMs", "p50"),
        doneP95: ratio("doneMs", "p95"),
        workerdCpu: round(turns.steward.workerdCpuMsPerTurn / turns.bare.workerdCpuMsPerTurn, 2)
      }
    },
    firstContact,
    memory: {
      workerdPid: rss[0].pid,
      rssMiB: { before: mib(rss[0]), half: mib(rss[1]), after: mib(rss[2]) },
      perIdleUserKiB: round((rss[2].kib - rss[0].kib) / K, 1),
      marginalPerIdleUserKiB: round((rss[2].kib - rss[1].kib) / (K - half), 1)
    }
  };
}

/** First contact for each of `users`: /agent, createSession, one turn; CONCURRENCY at once. */
async function firstContacts(users) {
  const steps = { openAgent: [], createSession: [], openChat: [], turn: [], total: [] };
  const queue = [...users];
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) {
      const t = [performance.now()];
      const agent = await open("/agent", user);
      t.push(performance.now());
      const { id } = await rpc(agent, "createSession", [{ title: "first contact" }]);
      t.push(performance.now());
      const chat = await open(`/agent/sub/conversation/${id}`, user);
      t.push(performance.now());
      await turn(chat, FIRST_TURN, FIRST_TURN === "hello" ? EXPECTED_TEXT : "2");
      t.push(performance.now());
      chat.close();
      agent.close();
      ["openAgent", "createSession", "openChat", "turn"].forEach((step, i) => steps[step].push(t[i + 1] - t[i]));
      steps.total.push(t[4] - t[0]);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, users.length) }, worker));
  return { steps, wallMs: performance.now() - t0 };
}

function mergeFirstContacts(halves) {
  const wallMs = halves.reduce((sum, h) => sum + h.wallMs, 0);
  const list = (step) => halves.flatMap((h) => h.steps[step]);
  const stepP50Ms = Object.fromEntries(["openAgent", "createSession", "openChat", "turn"].map((step) => [step, stats(list(step)).p50]));
  return { users: K, wallMs: round(wallMs, 0), agentsPerSec: round(K / (wallMs / 1000), 1), latencyMs: stats(list("total")), stepP50Ms };
}

// ── Protocol ─────────────────────────────────────────────────────────

/** A WebSocket as `sub` (a signed Access JWT) whose frames are routed by id. */
async function open(path, sub) {
  const token = await accessToken(sub);
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
    headers: { Origin: origin, "Cf-Access-Jwt-Assertion": token }
  });
  const handlers = new Map();
  ws.addEventListener("message", (event) => {
    if (typeof event.data !== "string") return;
    const frame = JSON.parse(event.data);
    if (typeof frame.id === "string") handlers.get(frame.id)?.(frame);
  });
  await withTimeout(
    new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", () => reject(new Error(`WebSocket ${path} failed to open`)), { once: true });
    }),
    `open ${path}`
  );
  return { ws, handlers, path, close: () => ws.close() };
}

/** One request/response exchange keyed by a fresh id; `onFrame` returns a value to finish. */
function exchange(conn, message, onFrame, what) {
  const id = randomUUID();
  const done = new Promise((resolve, reject) => {
    conn.handlers.set(id, (frame) => {
      try {
        const result = onFrame(frame);
        if (result !== undefined) resolve(result);
      } catch (error) {
        reject(error);
      }
    });
  });
  conn.ws.send(JSON.stringify({ ...message, id }));
  return withTimeout(done, `${what} on ${conn.path}`).finally(() => conn.handlers.delete(id));
}

function rpc(conn, method, args) {
  return exchange(conn, { type: "rpc", method, args }, (frame) => {
    if (frame.type !== "rpc") return;
    if (!frame.success) throw new Error(`${method}: ${frame.error}`);
    if (frame.done !== false) return frame.result;
  }, `rpc ${method}`);
}

/** One chat turn; times the first text-delta and the done frame from the moment of sending. */
function turn(conn, text = "hello", expect = EXPECTED_TEXT) {
  const message = { id: randomUUID(), role: "user", parts: [{ type: "text", text }] };
  const request = { type: "cf_agent_use_chat_request", init: { method: "POST", body: JSON.stringify({ messages: [message] }) } };
  const t0 = performance.now();
  let ttft;
  let said = "";
  return exchange(conn, request, (frame) => {
    if (frame.type !== "cf_agent_use_chat_response") return;
    if (frame.error) throw new Error(`turn failed: ${frame.body}`);
    const chunk = frame.body ? JSON.parse(frame.body) : null;
    if (chunk?.type === "text-delta") {
      ttft ??= performance.now() - t0;
      said += chunk.delta;
    }
    if (!frame.done) return;
    if (ttft === undefined || !said.includes(expect)) throw new Error(`unexpected reply ${JSON.stringify(said)}`);
    return { ttft, done: performance.now() - t0 };
  }, "chat turn");
}

async function accessToken(sub) {
  if (!tokens.has(sub)) {
    tokens.set(
      sub,
      await new SignJWT({ email: `${sub}@bench.invalid`, type: "app" })
        .setProtectedHeader({ alg: "RS256", kid: "bench" })
        .setSubject(sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("2h")
        .sign(privateKey)
    );
  }
  return tokens.get(sub);
}

// ── wrangler dev in its own process group ────────────────────────────

/**
 * Bundles the Worker once and serves that file with --no-bundle: `wrangler
 * dev` would otherwise rebuild and restart workerd (dropping every agent)
 * whenever a file under src/ changes during the run.
 */
function buildOnce() {
  const outdir = join(stateDir, "build");
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "-c", CONFIG],
    { cwd: ROOT, env: QUIET_ENV, encoding: "utf8", timeout: 180_000 }
  );
  if (status !== 0) throw new Error(`bundling failed (exit ${status}):\n${stdout}\n${stderr}`);
  return join(outdir, "worker.js");
}

function startWrangler(bundle) {
  const log = join(stateDir, "wrangler.log");
  const fd = openSync(log, "a");
  const args = [
    WRANGLER, "dev", bundle, "--no-bundle",
    "-c", CONFIG,
    "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-ip", "127.0.0.1", "--inspector-port", String(port + 1),
    "--persist-to", join(stateDir, "state"),
    "--show-interactive-dev-session=false",
    "--var", `ACCESS_JWKS:${JSON.stringify(jwks)}`,
    "--var", `ACCESS_TEAM_DOMAIN:${ISSUER}`,
    "--var", `ACCESS_AUD:${AUDIENCE}`
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true, // own process group: wrangler → node → workerd
    stdio: ["ignore", fd, fd],
    env: QUIET_ENV
  });
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
  return {
    pgid: child.pid,
    log,
    exited: () => exited,
    kill,
    async stop() {
      kill("SIGTERM");
      for (let i = 0; i < 50 && groupPids().length; i++) await sleep(100);
      kill("SIGKILL");
      stopped = true;
    }
  };
}

async function waitReady() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (wrangler.exited()) throw new Error("wrangler dev exited during startup");
    const status = await fetch(`${origin}/api/me`).then((r) => r.status, () => 0);
    if (status === 401) return; // the Worker answers (no credentials → 401)
    await sleep(250);
  }
  throw new Error("wrangler dev was not ready within 60 s");
}

/** Pids in wrangler's process group, from /proc. */
function groupPids() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // state ppid pgrp ...
      if (Number(fields[2]) === wrangler.pgid) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/**
 * The workerd that runs the Worker. wrangler starts two: a small proxy on the
 * public port and the runtime (socket-addr entry=127.0.0.1:0) hosting the
 * Durable Objects; we want the runtime.
 */
function runtimePid() {
  const found = groupPids().filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return cmd[0]?.endsWith("/workerd") && !cmd.includes(`--socket-addr=entry=127.0.0.1:${port}`);
    } catch {
      return false;
    }
  });
  if (found.length !== 1) throw new Error(`expected one runtime workerd in wrangler's group, found ${found.length}`);
  return found[0];
}

function workerdRss() {
  const pid = runtimePid();
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return { pid, kib: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) };
}

/** User + system CPU time of the runtime workerd (clock ticks are 10 ms on Linux). */
function workerdCpuMs() {
  const stat = readFileSync(`/proc/${runtimePid()}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[11], [12] = utime, stime
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// ── Small helpers ────────────────────────────────────────────────────

function printTable(r) {
  const t = r.turns;
  const fc = r.firstContact.stepP50Ms;
  const m = r.memory.rssMiB;
  const f = (n) => n.toFixed(1).padStart(9);
  const row = (label, key, q, ratioKey) =>
    `  ${label.padEnd(16)}${f(t.steward[key][q])}${f(t.bare[key][q])}${(t.ratio[ratioKey].toFixed(2) + "x").padStart(9)}`;
  console.log(`
Steward turn overhead — ${r.source}, ${r.machine.cpus} CPUs, load ${r.machine.loadavg1m.start}→${r.machine.loadavg1m.end}, wrangler dev (local workerd), zero-latency scripted model

(a) ${r.options.turns} turns per side over one WebSocket each, interleaved, after ${r.options.warmup} warm-up turns
  ms                steward      bare    ratio
${row("first token p50", "ttftMs", "p50", "ttftP50")}
${row("first token p95", "ttftMs", "p95", "ttftP95")}
${row("done p50", "doneMs", "p50", "doneP50")}
${row("done p95", "doneMs", "p95", "doneP95")}
  ${"workerd CPU/turn".padEnd(16)}${f(t.steward.workerdCpuMsPerTurn)}${f(t.bare.workerdCpuMsPerTurn)}${(t.ratio.workerdCpu.toFixed(2) + "x").padStart(9)}   (${t.cpuTurnsPerSide} more turns per side, ABBA blocks)
  done p50, first → last quarter of the turns: steward ${t.steward.doneP50FirstQuarter} → ${t.steward.doneP50LastQuarter}, bare ${t.bare.doneP50FirstQuarter} → ${t.bare.doneP50LastQuarter}

(b) first contact: ${r.firstContact.users} distinct users (/agent + createSession + one "${r.options.firstTurn}" turn), concurrency ${r.options.concurrency}
  ${r.firstContact.agentsPerSec} agents/s (${(r.firstContact.wallMs / 1000).toFixed(1)} s wall); per user p50 ${r.firstContact.latencyMs.p50} ms, p95 ${r.firstContact.latencyMs.p95} ms
  p50 by step: open /agent ${fc.openAgent} · createSession ${fc.createSession} · open chat ${fc.openChat} · turn ${fc.turn} ms

(c) workerd RSS (runtime process, ${r.options.settleSeconds} s after the sockets close), per idle user (Assistant + 1 Conversation)
  ${m.before} MiB → ${m.half} MiB (half) → ${m.after} MiB: ${r.memory.perIdleUserKiB} KiB per user overall, ${r.memory.marginalPerIdleUserKiB} KiB marginal (second half)`);
}

/** The commit measured, "-dirty" when the working tree had uncommitted changes. */
function gitRevision() {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty", "--exclude=*"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, p50: round(at(0.5), 1), p95: round(at(0.95), 1), mean: round(mean, 1), max: round(sorted.at(-1), 1) };
}

async function freePort() {
  // Needs this port and the next (inspector) free; retry a few times.
  for (let i = 0; i < 20; i++) {
    const port = await new Promise((resolve, reject) => {
      const srv = createServer().once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    }).catch(() => 0);
    if (port && port < 65535 && (await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error("no free loopback port pair");
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer().once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), TIMEOUT_MS)))
  ]).finally(() => clearTimeout(timer));
}

function positive(name, zeroOk = false) {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1) || n > 100_000) fail(`--${name} must be an integer${zeroOk ? " ≥ 0" : " ≥ 1"}`);
  return n;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mib(reading) {
  return round(reading.kib / 1024, 1);
}

function round(n, digits) {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}
