// Email end to end on one local `wrangler dev`: emails processed per second
// (delivery to /cdn-cgi/handler/email → parse, checks, session, workspace
// files, reading, the agent's turn, reply sent) with the offline command
// model, and what quarantined reading costs over the main agent reading the
// mail directly — both measured in the same run, in alternating blocks.
// Run with `npm run bench -- email [--emails 120] [--concurrency 4] [--users 4]`.
// Talks only to 127.0.0.1.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { positive, requireNode22 } from "../lib/cli.mjs";
import { gitRevision, load1m, machine, runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { round, stats } from "../lib/stats.mjs";
import { sleep } from "../lib/time.mjs";
import { buildOnce, startWrangler, waitReady } from "../lib/wrangler.mjs";
import { workerdCpuMs as cpuOf } from "../lib/workerd.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIG = "bench/email/wrangler.jsonc";
const MODES = ["quarantined", "direct"];

const { values: opt } = parseArgs({
  options: {
    emails: { type: "string", default: "120" }, // per mode
    warmup: { type: "string", default: "8" }, // per mode
    concurrency: { type: "string", default: "4" },
    users: { type: "string", default: "4" }
  }
});
const N = positive(opt, "emails");
const WARMUP = positive(opt, "warmup", true);
const CONCURRENCY = positive(opt, "concurrency");
const USERS = positive(opt, "users");
requireNode22("wrangler");

const port = await freePortPair();
const origin = `http://127.0.0.1:${port}`;
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-email-"));
const SOURCE = gitRevision();
let wrangler;
let repliesSeen = 0;
await runBench({ stateDir }, async (run) => {
  wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, bundle: buildOnce({ config: CONFIG, stateDir }) }));
  await waitReady(wrangler);
  saveResults(HERE, await runAll(), printTable);
});

function workerdCpuMs() {
  return cpuOf(wrangler);
}

async function runAll() {
  const load0 = load1m();
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
    machine: machine(load0),
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
  console.log(
    `  ${"workerd CPU / email (ms)".padEnd(26)}${f(r.quarantined.workerdCpuMsPerEmail)}${f(r.direct.workerdCpuMsPerEmail)}${f(`+${r.quarantineCost.cpuMsPerEmail}`)}`
  );
  console.log(`  load average (1 min): ${r.machine.loadavg1m.start} → ${r.machine.loadavg1m.end} on ${r.machine.cpus} CPUs`);
}
