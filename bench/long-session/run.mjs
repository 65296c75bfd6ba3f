// A long life for one session, and search over a long history, on one local `wrangler dev`:
//  (a) 2,000 turns in one session with a zero-latency scripted model, with and without compaction:
//      turn time and prompt tokens (the model reports the size of what it was sent) at turns 10, 500, 2,000;
//  (b) search p50/p95 over 100,000 messages in the user's history index (seeded in bulk through a
//      bench-only route, then queried over the browser's RPC path, `searchHistory`).
// Run with `npm run bench -- long-session [--turns 2000] [--variants nocompact,small] [--messages 100000]`.
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
import { buildOnce, startWrangler, waitReady } from "../lib/wrangler.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIG = "bench/long-session/wrangler.jsonc";
const TIMEOUT_MS = 60_000;
/** The user-name prefixes worker.ts maps to a compaction policy. */
const VARIANTS = { nocompact: "no compaction", small: "compaction 6k→2k tokens", defaultcompact: "default compaction 64k→16k tokens" };

const { values: opt } = parseArgs({
  options: {
    turns: { type: "string", default: "2000" },
    variants: { type: "string", default: "nocompact,small" },
    messages: { type: "string", default: "100000" },
    sessions: { type: "string", default: "100" },
    queries: { type: "string", default: "200" }
  }
});
const TURNS = positive(opt, "turns");
const MESSAGES = positive(opt, "messages");
const SESSIONS = positive(opt, "sessions");
const QUERIES = positive(opt, "queries");
const variants = opt.variants
  .split(",")
  .map((v) => v.trim())
  .filter(Boolean);
for (const v of variants) if (!(v in VARIANTS)) fail(`unknown variant "${v}"; known: ${Object.keys(VARIANTS).join(", ")}`);
const CHECKPOINTS = [10, 500, 2000].filter((n) => n <= TURNS);
if (!CHECKPOINTS.includes(TURNS)) CHECKPOINTS.push(TURNS);
requireNode22("wrangler, global WebSocket");

const access = await createAccess();
const port = await freePortPair();
const { open } = agentClient({ port, token: access.token, timeoutMs: TIMEOUT_MS });
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-long-"));
const SOURCE = gitRevision();
await runBench({ stateDir }, async (run) => {
  const wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, bundle: buildOnce({ config: CONFIG, stateDir }), vars: access.vars }));
  await waitReady(wrangler);
  saveResults(HERE, await runAll(), printTable);
});

async function runAll() {
  const runId = randomUUID().slice(0, 8);
  const load0 = load1m();
  const sessions = {};
  for (const variant of variants) sessions[variant] = await longSession(`${variant}-${runId}`);
  const search = await searchBench(`search-${runId}`);
  return {
    at: new Date().toISOString(),
    source: SOURCE,
    machine: machine(load0),
    options: { turns: TURNS, variants, messages: MESSAGES, sessions: SESSIONS, queries: QUERIES },
    sessions,
    search
  };
}

/** One session, TURNS turns; turn time (p50 of the 10 turns up to each checkpoint) and the prompt tokens the model saw there. */
async function longSession(user) {
  const owner = await open("/agent", user);
  const session = await rpc(owner, "createSession", [{ title: "long" }]);
  const conn = await open(`/agent/sub/conversation/${session.id}`, user);
  const ms = [];
  const tokens = [];
  const started = performance.now();
  for (let i = 1; i <= TURNS; i++) {
    const turn = await chat(conn, `Message ${i}: please note item ${i} of the list; ${"details ".repeat(20)}`);
    const seen = /\[prompt-tokens=(\d+)\]/.exec(turn.text);
    if (!seen) throw new Error(`turn ${i}: unexpected reply ${JSON.stringify(turn.text.slice(0, 200))}`);
    ms.push(turn.ms);
    tokens.push(Number(seen[1]));
    if (i % 250 === 0) console.log(`  ${user}: turn ${i}, ${round(turn.ms, 1)} ms, ${seen[1]} prompt tokens`);
  }
  const compactions = (await rpc(owner, "getCompactedMessages", [session.id])).length;
  conn.close();
  owner.close();
  const at = Object.fromEntries(CHECKPOINTS.map((n) => [n, { promptTokens: tokens[n - 1], turnMsP50: stats(ms.slice(Math.max(0, n - 10), n)).p50 }]));
  return { totalSeconds: round((performance.now() - started) / 1000, 1), turnMs: stats(ms), at, compactedSpansAtEnd: compactions };
}

/** MESSAGES messages over SESSIONS sessions of one user, then QUERIES searches over the browser's RPC path. */
async function searchBench(user) {
  const owner = await open("/agent", user);
  const words = vocabulary(5_000);
  const perSession = Math.ceil(MESSAGES / SESSIONS);
  const BATCH = 1_000;
  const seedStarted = performance.now();
  let seeded = 0;
  let n = 0;
  for (let s = 0; s < SESSIONS && seeded < MESSAGES; s++) {
    const session = await rpc(owner, "createSession", [{ title: `seeded ${s}` }]);
    for (let start = 0; start < perSession && seeded < MESSAGES; start += BATCH) {
      const count = Math.min(BATCH, perSession - start, MESSAGES - seeded);
      const messages = Array.from({ length: count }, () => ({
        messageId: `m-${n++}`,
        role: n % 2 ? "user" : "assistant",
        at: Date.now(),
        text: sentence(words, 25)
      }));
      const res = await fetch(`http://127.0.0.1:${port}/bench/seed`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: `access:${user}`, session: session.id, messages })
      });
      if (!res.ok) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
      seeded += count;
    }
  }
  const seedSeconds = round((performance.now() - seedStarted) / 1000, 1);
  console.log(`  seeded ${seeded} messages in ${seedSeconds} s`);

  const sample = async (makeQuery) => {
    const times = [];
    let hits = 0;
    for (let q = 0; q < QUERIES; q++) {
      const t0 = performance.now();
      const found = await rpc(owner, "searchHistory", [makeQuery(), 20]);
      times.push(performance.now() - t0);
      hits += found.length;
    }
    return { ms: stats(times, 2), meanHits: round(hits / QUERIES, 1) };
  };
  const pick = (from, to) => words[from + Math.floor(Math.random() * (to - from))];
  const result = {
    seeded,
    seedSeconds,
    // Common words (the head of the skewed vocabulary) match thousands of rows; rare ones a few.
    commonWord: await sample(() => pick(0, 20)),
    rareWord: await sample(() => pick(2_000, 5_000)),
    twoWords: await sample(() => `${pick(0, 500)} ${pick(0, 500)}`),
    prefix: await sample(() => pick(0, 5_000).slice(0, 3))
  };
  owner.close();
  return result;
}

/** Pronounceable pseudo-words, deterministic, so queries have something to find. */
function vocabulary(size) {
  const c = "bcdfghjklmnprstvz";
  const v = "aeiou";
  const out = [];
  for (let i = 0; out.length < size; i++) {
    let w = "";
    let x = i + 7;
    for (let k = 0; k < 3; k++) {
      w += c[x % c.length] + v[Math.floor(x / c.length) % v.length];
      x = Math.floor(x / (c.length * v.length)) + k * 13 + i;
    }
    if (!out.includes(w)) out.push(w);
  }
  return out;
}

/** Words skewed toward the start of the vocabulary (a few common words, a long tail), like real text. */
function sentence(words, length) {
  return Array.from({ length }, () => words[Math.floor(words.length * Math.random() ** 3)]).join(" ");
}

function printTable(r) {
  console.log(
    `\nSteward long session — ${r.source}, ${r.machine.cpus} CPUs, load ${r.machine.loadavg1m.start}→${r.machine.loadavg1m.end}, wrangler dev, zero-latency scripted model`
  );
  console.log(`\n(a) ${r.options.turns} turns in one session: prompt tokens / turn ms (p50 of the 10 turns up to it)`);
  const cols = CHECKPOINTS.map((n) => `turn ${n}`.padStart(18)).join("");
  console.log(`  ${"".padEnd(34)}${cols}`);
  for (const [variant, s] of Object.entries(r.sessions)) {
    const cells = CHECKPOINTS.map((n) => `${s.at[n].promptTokens} / ${s.at[n].turnMsP50}`.padStart(18)).join("");
    console.log(`  ${VARIANTS[variant].padEnd(34)}${cells}   (${s.totalSeconds} s)`);
  }
  const s = r.search;
  console.log(`\n(b) search over ${s.seeded} messages (seeded in ${s.seedSeconds} s), ${r.options.queries} queries each, ms over RPC`);
  for (const key of ["commonWord", "rareWord", "twoWords", "prefix"]) {
    console.log(`  ${key.padEnd(12)} p50 ${String(s[key].ms.p50).padStart(7)}  p95 ${String(s[key].ms.p95).padStart(7)}  mean hits ${s[key].meanHits}`);
  }
}
