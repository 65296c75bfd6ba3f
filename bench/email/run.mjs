// Email end to end on one local `wrangler dev`: emails processed per second
// (delivery to /cdn-cgi/handler/email → parse, checks, session, workspace
// files, reading, the agent's turn, reply sent) with the offline command
// model, and what quarantined reading costs over the main agent reading the
// mail directly — both measured in the same run, in alternating blocks.
// Run with `npm run bench -- email [--emails 120] [--concurrency 4] [--users 4]`.
// Talks only to 127.0.0.1.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const CONFIG = "bench/email/wrangler.jsonc";
const QUIET_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true" };
const MODES = ["quarantined", "direct"];

const { values: opt } = parseArgs({
  options: {
    emails: { type: "string", default: "120" }, // per mode
    warmup: { type: "string", default: "8" }, // per mode
    concurrency: { type: "string", default: "4" },
    users: { type: "string", default: "4" }
  }
});
const N = positive("emails");
const WARMUP = positive("warmup", true);
const CONCURRENCY = positive("concurrency");
const USERS = positive("users");
if (Number(process.versions.node.split(".")[0]) < 22) fail("needs Node 22 (wrangler): run it through `npm run bench`");

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-email-"));
const SOURCE = gitRevision();
let wrangler;
let repliesSeen = 0;
await main();

async function main() {
  process.on("SIGINT", () => process.exit(130));
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
    console.log("\nwrote bench/email/last-run.json");
  } catch (error) {
    console.error(`bench failed: ${error?.stack ?? error}`);
    if (wrangler) console.error(`--- wrangler log (tail) ---\n${readFileSync(wrangler.log, "utf8").split("\n").slice(-30).join("\n")}`);
    process.exitCode = 1;
  } finally {
    await wrangler?.stop();
  }
}

async function runAll() {
  const load0 = round(loadavg()[0], 2);
  const users = [];
  for (let i = 0; i < USERS; i++) {
    const owner = `owner${i}@bench.example`;
    const settings = await (await fetch(`${origin}/bench/setup?${new URLSearchParams({ user: `u${i}-${randomUUID().slice(0, 6)}`, owner })}`)).json();
    users.push({ owner, address: settings.address });
  }
  for (const mode of MODES) await block(mode, WARMUP, users);

  // ABBA blocks so drift (load from other processes, heap growth) hits both modes alike.
  const per = Math.max(1, Math.floor(N / 2));
  const samples = { quarantined: [], direct: [] };
  const wall = { quarantined: 0, direct: 0 };
  const cpu = { quarantined: 0, direct: 0 };
  for (const mode of ["quarantined", "direct", "direct", "quarantined"]) {
    const r = await block(mode, per, users);
    samples[mode].push(...r.latencies);
    wall[mode] += r.wallMs;
    cpu[mode] += r.cpuMs;
  }
  const summary = (mode) => ({
    emails: samples[mode].length,
    emailsPerSecond: round((samples[mode].length / wall[mode]) * 1000, 1),
    latencyMs: stats(samples[mode]),
    workerdCpuMsPerEmail: round(cpu[mode] / samples[mode].length, 1)
  });
  const q = summary("quarantined");
  const d = summary("direct");
  return {
    at: new Date().toISOString(),
    source: SOURCE,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "", node: process.version, loadavg1m: { start: load0, end: round(loadavg()[0], 2) } },
    options: { emailsPerMode: N, warmup: WARMUP, concurrency: CONCURRENCY, users: USERS, model: "offline command model" },
    quarantined: q,
    direct: d,
    quarantineCost: {
      latencyP50Ms: round(q.latencyMs.p50 - d.latencyMs.p50, 1),
      latencyRatioP50: round(q.latencyMs.p50 / d.latencyMs.p50, 2),
      throughputRatio: round(q.emailsPerSecond / d.emailsPerSecond, 2),
      cpuMsPerEmail: round(q.workerdCpuMsPerEmail - d.workerdCpuMsPerEmail, 1)
    }
  };
}

/** Delivers `count` fresh emails (a new thread each) and waits for every reply. */
async function block(mode, count, users) {
  await fetch(`${origin}/bench/mode?reading=${mode}`);
  const sentAt = new Map();
  const cpu0 = workerdCpuMs();
  const start = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const user = users[i % users.length];
      const id = `<${randomUUID()}@bench.example>`;
      sentAt.set(id, Date.now());
      const res = await fetch(`${origin}/cdn-cgi/handler/email?${new URLSearchParams({ from: user.owner, to: user.address })}`, {
        method: "POST",
        body: email(user, id, i)
      });
      if (!res.ok) throw new Error(`delivery failed: HTTP ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const latencies = [];
  const deadline = Date.now() + 120_000;
  while (latencies.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${latencies.length}/${count} replies within 120 s (${mode})`);
    const fresh = await (await fetch(`${origin}/bench/replies?since=${repliesSeen}`)).json();
    repliesSeen += fresh.length;
    for (const r of fresh) if (sentAt.has(r.inReplyTo)) latencies.push(r.at - sentAt.get(r.inReplyTo));
    if (latencies.length < count) await sleep(20);
  }
  const wallMs = Date.now() - start;
  await sleep(200);
  return { latencies, wallMs, cpuMs: workerdCpuMs() - cpu0 };
}

function email(user, id, i) {
  return [
    `Authentication-Results: mx.bench; dkim=pass header.d=bench.example; spf=pass smtp.mailfrom=${user.owner}; dmarc=pass header.from=bench.example`,
    `From: Bench Owner <${user.owner}>`,
    `To: ${user.address}`,
    `Subject: Bench request ${i}`,
    `Message-ID: ${id}`,
    "MIME-Version: 1.0",
    "Content-Type: multipart/alternative; boundary=b",
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `Hello Steward, please look at item ${i} and tell me what you think. `.repeat(8),
    "--b",
    "Content-Type: text/html; charset=utf-8",
    "",
    `<p>Hello Steward, please look at item <b>${i}</b>.</p>`,
    "--b--",
    ""
  ].join("\r\n");
}

function printTable(r) {
  const f = (n) => String(n).padStart(12);
  console.log(`\nEmail end to end, offline command model, ${r.options.emailsPerMode} emails per mode, concurrency ${r.options.concurrency} (${r.source})`);
  console.log(`  ${"".padEnd(26)}${"quarantined".padStart(12)}${"direct".padStart(12)}${"cost".padStart(12)}`);
  console.log(`  ${"emails / s".padEnd(26)}${f(r.quarantined.emailsPerSecond)}${f(r.direct.emailsPerSecond)}${f(`${r.quarantineCost.throughputRatio}x`)}`);
  console.log(`  ${"latency p50 (ms)".padEnd(26)}${f(r.quarantined.latencyMs.p50)}${f(r.direct.latencyMs.p50)}${f(`+${r.quarantineCost.latencyP50Ms}`)}`);
  console.log(`  ${"latency p95 (ms)".padEnd(26)}${f(r.quarantined.latencyMs.p95)}${f(r.direct.latencyMs.p95)}${f("")}`);
  console.log(`  ${"workerd CPU / email (ms)".padEnd(26)}${f(r.quarantined.workerdCpuMsPerEmail)}${f(r.direct.workerdCpuMsPerEmail)}${f(`+${r.quarantineCost.cpuMsPerEmail}`)}`);
  console.log(`  load average (1 min): ${r.machine.loadavg1m.start} → ${r.machine.loadavg1m.end} on ${r.machine.cpus} CPUs`);
}

// ── wrangler dev in its own process group ────────────────────────────

/** Bundles once and serves the bundle with --no-bundle: no rebuilds mid-run. */
function buildOnce() {
  const outdir = join(stateDir, "build");
  const { status, stdout, stderr } = spawnSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "-c", CONFIG], {
    cwd: ROOT,
    env: QUIET_ENV,
    encoding: "utf8",
    timeout: 180_000
  });
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
    "--show-interactive-dev-session=false"
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, detached: true, stdio: ["ignore", fd, fd], env: QUIET_ENV });
  let exited = false;
  let stopped = false;
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
    if (status === 401) return;
    await sleep(250);
  }
  throw new Error("wrangler dev was not ready within 60 s");
}

function groupPids() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === wrangler.pgid) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** CPU of the workerd that hosts the Durable Objects (not the proxy on the public port). */
function workerdCpuMs() {
  const pids = groupPids().filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return cmd[0]?.endsWith("/workerd") && !cmd.includes(`--socket-addr=entry=127.0.0.1:${port}`);
    } catch {
      return false;
    }
  });
  if (pids.length !== 1) throw new Error(`expected one runtime workerd in wrangler's group, found ${pids.length}`);
  const stat = readFileSync(`/proc/${pids[0]}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// ── Small helpers ────────────────────────────────────────────────────

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

function round(n, digits) {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}
