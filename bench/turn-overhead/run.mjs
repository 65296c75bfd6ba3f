// Steward's per-turn overhead over a bare Think agent, first-contact
// throughput, and memory per idle agent, all on one local `wrangler dev`.
// Run with `npm run bench -- turn-overhead [--turns 200] [--users 200] ...`.
// Talks only to 127.0.0.1; the Access key is generated per run.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { agentClient, chat, rpc } from "../lib/agent-client.mjs";
import { createAccess } from "../lib/auth.mjs";
import { fail, positive, requireNode22 } from "../lib/cli.mjs";
import { gitRevision, load1m, machine, runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { round, stats } from "../lib/stats.mjs";
import { sleep } from "../lib/time.mjs";
import { buildOnce, startWrangler, waitReady } from "../lib/wrangler.mjs";
import { workerdCpuMs as cpuOf, workerdRss as rssOf } from "../lib/workerd.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const EXPECTED_TEXT = "Hello from the bench model."; // worker.ts DELTAS
const TIMEOUT_MS = 15_000; // any single socket open, RPC or turn
const CONFIG = "bench/turn-overhead/wrangler.jsonc";
const SIDES = ["steward", "bare", "facet"];
const KINDS = { text: "hello", tier0: "tier0: list the workspace", tier1: "tier1: run 1+1" };

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
const N = positive(opt, "turns");
const WARMUP = positive(opt, "warmup", true);
const K = positive(opt, "users");
if (K < 2) fail("--users must be at least 2 (memory is read after each half)");
const CONCURRENCY = positive(opt, "concurrency");
const SETTLE_S = positive(opt, "settle", true);
const FIRST_TURN = { text: "hello", run: "/run 1+1" }[opt["first-turn"]];
if (!FIRST_TURN) fail('--first-turn must be "text" or "run"');
requireNode22("wrangler, global WebSocket");

// ── The Worker under test ────────────────────────────────────────────

const access = await createAccess();
const port = await freePortPair();
const { open } = agentClient({ port, token: access.token, timeoutMs: TIMEOUT_MS });
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-"));
const SOURCE = gitRevision(); // read before bundling: what the bundle was built from
let wrangler;
await runBench({ stateDir }, async (run) => {
  wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, bundle: buildOnce({ config: CONFIG, stateDir }), vars: access.vars }));
  await waitReady(wrangler);
  saveResults(HERE, await runAll(), printTable);
});

async function runAll() {
  const runId = randomUUID().slice(0, 8);
  const load0 = load1m();

  // Turn sockets: a Steward session (with its /agent socket open, as the web
  // app keeps it), a bare Think agent, and a bare Think hosted as a facet of
  // a bare root (the SDK's multi-chat shape, which Steward's sessions use).
  // Warm all three before any reading.
  const sub = `turns-${runId}`;
  const owner = await open("/agent", sub);
  const session = await rpc(owner, "createSession", [{ title: "bench" }]);
  const conns = {
    steward: await open(`/agent/sub/conversation/${session.id}`, sub),
    bare: await open(`/agents/bare-think/${sub}`, sub),
    facet: await open(`/agents/bare-root/${sub}/sub/bare-think/chat`, sub)
  };
  for (let i = 0; i < WARMUP; i++) for (const side of SIDES) for (const text of Object.values(KINDS)) await turn(conns[side], text);
  const prompt = await promptSizes(conns);

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

  // (a): N text turns per side, rotating which side goes first; then N/4
  // turns of each tool kind the same way.
  const samples = Object.fromEntries(SIDES.map((side) => [side, { text: [], tier0: [], tier1: [] }]));
  const rotate = (i) => SIDES.map((_, k) => SIDES[(i + k) % SIDES.length]);
  for (let i = 0; i < N; i++) for (const side of rotate(i)) samples[side].text.push(await turn(conns[side], KINDS.text));
  const toolTurns = Math.max(4, Math.floor(N / 4));
  for (const kind of ["tier0", "tier1"]) {
    for (let i = 0; i < toolTurns; i++) for (const side of rotate(i)) samples[side][kind].push(await turn(conns[side], KINDS[kind]));
  }

  // workerd CPU per text turn, which load from other processes hardly skews:
  // blocks of N/4 turns in a mirrored order, each read after a short pause.
  const cpu = Object.fromEntries(SIDES.map((side) => [side, { ms: 0, turns: 0 }]));
  const block = Math.max(1, Math.floor(N / 4));
  for (const side of [...SIDES, ...[...SIDES].reverse()]) {
    const before = workerdCpuMs();
    for (let i = 0; i < block; i++) await turn(conns[side], KINDS.text);
    await sleep(200);
    cpu[side].ms += workerdCpuMs() - before;
    cpu[side].turns += block;
  }
  owner.close();
  for (const conn of Object.values(conns)) conn.close();

  const quarter = Math.max(1, Math.floor(N / 4));
  const summarize = (side) => {
    const list = samples[side].text;
    return {
      ttftMs: stats(list.map((s) => s.ttft)),
      doneMs: stats(list.map((s) => s.done)),
      tier0DoneMs: stats(samples[side].tier0.map((s) => s.done)),
      tier1DoneMs: stats(samples[side].tier1.map((s) => s.done)),
      // Think sends the whole history to the model each turn: does cost grow with it?
      doneP50FirstQuarter: stats(list.slice(0, quarter).map((s) => s.done)).p50,
      doneP50LastQuarter: stats(list.slice(-quarter).map((s) => s.done)).p50,
      workerdCpuMsPerTurn: round(cpu[side].ms / cpu[side].turns, 2)
    };
  };
  const turns = Object.fromEntries(SIDES.map((side) => [side, summarize(side)]));
  const ratio = (base, key, q) => round(turns.steward[key][q] / turns[base][key][q], 2);
  const ratios = (base) => ({
    ttftP50: ratio(base, "ttftMs", "p50"),
    ttftP95: ratio(base, "ttftMs", "p95"),
    doneP50: ratio(base, "doneMs", "p50"),
    doneP95: ratio(base, "doneMs", "p95"),
    tier0DoneP50: ratio(base, "tier0DoneMs", "p50"),
    tier1DoneP50: ratio(base, "tier1DoneMs", "p50"),
    workerdCpu: round(turns.steward.workerdCpuMsPerTurn / turns[base].workerdCpuMsPerTurn, 2)
  });
  return {
    at: new Date().toISOString(),
    source: SOURCE,
    machine: machine(load0),
    options: { turns: N, toolTurns, warmup: WARMUP, users: K, concurrency: CONCURRENCY, settleSeconds: SETTLE_S, firstTurn: FIRST_TURN },
    turns: { ...turns, cpuTurnsPerSide: cpu.steward.turns, ratio: ratios("bare"), ratioToFacet: ratios("facet") },
    prompt,
    firstContact,
    memory: {
      workerdPid: rss[0].pid,
      rssMiB: { before: mib(rss[0]), half: mib(rss[1]), after: mib(rss[2]) },
      perIdleUserKiB: round((rss[2].kib - rss[0].kib) / K, 1),
      marginalPerIdleUserKiB: round((rss[2].kib - rss[1].kib) / (K - half), 1)
    }
  };
}

/** What each model was sent on a text turn: system prompt and tool schemas, in characters and ≈ tokens (chars / 4). */
async function promptSizes(conns) {
  const sizes = {};
  for (const side of ["steward", "bare"]) {
    await turn(conns[side], KINDS.text);
    const last = await (await fetch(`http://127.0.0.1:${port}/bench/prompt`)).json();
    sizes[side] = { ...last[side], approxTokens: Math.round((last[side].systemChars + last[side].toolChars) / 4) };
  }
  return sizes;
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
      const conversation = await open(`/agent/sub/conversation/${id}`, user);
      t.push(performance.now());
      await turn(conversation, FIRST_TURN, FIRST_TURN === "hello" ? EXPECTED_TEXT : "2");
      t.push(performance.now());
      conversation.close();
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

/** One chat turn; times the first text-delta and the done frame from the moment of sending. */
async function turn(conn, text = "hello", expect = EXPECTED_TEXT) {
  const { ttft, ms, text: said } = await chat(conn, text);
  if (ttft === undefined || !said.includes(expect)) throw new Error(`unexpected reply ${JSON.stringify(said)}`);
  return { ttft, done: ms };
}

function workerdRss() {
  return rssOf(wrangler);
}

function workerdCpuMs() {
  return cpuOf(wrangler);
}

// ── Small helpers ────────────────────────────────────────────────────

function printTable(r) {
  const t = r.turns;
  const fc = r.firstContact.stepP50Ms;
  const m = r.memory.rssMiB;
  const p = r.prompt;
  const f = (n) => n.toFixed(1).padStart(9);
  const x = (n) => `${n.toFixed(2)}x`.padStart(9);
  const row = (label, key, q, ratioKey) =>
    `  ${label.padEnd(18)}${f(t.steward[key][q])}${f(t.bare[key][q])}${x(t.ratio[ratioKey])}${f(t.facet[key][q])}${x(t.ratioToFacet[ratioKey])}`;
  const cpu = (side) => t[side].workerdCpuMsPerTurn;
  const quarters = (side) => `${side} ${t[side].doneP50FirstQuarter} → ${t[side].doneP50LastQuarter}`;
  console.log(`
Steward turn overhead — ${r.source}, ${r.machine.cpus} CPUs, load ${r.machine.loadavg1m.start}→${r.machine.loadavg1m.end}, wrangler dev (local workerd), zero-latency scripted model

(a) ${r.options.turns} text turns and ${r.options.toolTurns} turns with one tool call per side, over one WebSocket each, rotated, after ${r.options.warmup} warm-ups
    bare = a bare Think Durable Object; facet = the same bare Think as a facet of a bare root agent (how Steward hosts sessions)
  ms                  steward      bare    ratio    facet    ratio
${row("first token p50", "ttftMs", "p50", "ttftP50")}
${row("first token p95", "ttftMs", "p95", "ttftP95")}
${row("done p50", "doneMs", "p50", "doneP50")}
${row("done p95", "doneMs", "p95", "doneP95")}
${row("tier 0 call, p50", "tier0DoneMs", "p50", "tier0DoneP50")}
${row("tier 1 call, p50", "tier1DoneMs", "p50", "tier1DoneP50")}
  ${"workerd CPU/turn".padEnd(18)}${f(cpu("steward"))}${f(cpu("bare"))}${x(t.ratio.workerdCpu)}${f(cpu("facet"))}${x(t.ratioToFacet.workerdCpu)}   (${t.cpuTurnsPerSide} more text turns per side, mirrored blocks)
  done p50, first → last quarter of the text turns: ${quarters("steward")}, ${quarters("bare")}, ${quarters("facet")}
  prompt per model call (≈ tokens = chars / 4): steward ${p.steward.approxTokens} (system ${p.steward.systemChars} chars, ${p.steward.tools} tools ${p.steward.toolChars} chars), bare ${p.bare.approxTokens} (system ${p.bare.systemChars} chars, ${p.bare.tools} tools ${p.bare.toolChars} chars)

(b) first contact: ${r.firstContact.users} distinct users (/agent + createSession + one "${r.options.firstTurn}" turn), concurrency ${r.options.concurrency}
  ${r.firstContact.agentsPerSec} agents/s (${(r.firstContact.wallMs / 1000).toFixed(1)} s wall); per user p50 ${r.firstContact.latencyMs.p50} ms, p95 ${r.firstContact.latencyMs.p95} ms
  p50 by step: open /agent ${fc.openAgent} · createSession ${fc.createSession} · open chat ${fc.openChat} · turn ${fc.turn} ms

(c) workerd RSS (runtime process, ${r.options.settleSeconds} s after the sockets close), per idle user (Assistant + 1 Conversation)
  ${m.before} MiB → ${m.half} MiB (half) → ${m.after} MiB: ${r.memory.perIdleUserKiB} KiB per user overall, ${r.memory.marginalPerIdleUserKiB} KiB marginal (second half)`);
}

function mib(reading) {
  return round(reading.kib / 1024, 1);
}
