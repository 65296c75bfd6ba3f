// A spoken turn's latency: end of utterance → first audio byte and → last
// audio byte, p50/p95, Steward's call (/agent/voice/<session>: Think session,
// gate, sentence pipeline) vs a bare `withVoice(Agent)` with the same scripted
// transcriber, model and TTS, in one run on one local `wrangler dev`.
// Run with `npm run bench -- voice [--turns 100] [--warmup 10]`. Loopback only.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { agentClient, rpc } from "../lib/agent-client.mjs";
import { createAccess } from "../lib/auth.mjs";
import { positive, requireNode22 } from "../lib/cli.mjs";
import { gitRevision, load1m, machine, runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { round, stats } from "../lib/stats.mjs";
import { sleep, withTimeout } from "../lib/time.mjs";
import { buildOnce, startWrangler, waitReady } from "../lib/wrangler.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIG = "bench/voice/wrangler.jsonc";
const TIMEOUT_MS = 15_000;
const SIDES = ["steward", "bare"];
/** worker.ts's model answers in two sentences: two audio frames per turn. */
const AUDIO_FRAMES = 2;

const { values: opt } = parseArgs({
  options: { turns: { type: "string", default: "100" }, warmup: { type: "string", default: "10" }, pause: { type: "string", default: "0" } }
});
/** ms between turns: a caller pauses before speaking again (0: back to back). */
const PAUSE = positive(opt, "pause", true);
const N = positive(opt, "turns");
const WARMUP = positive(opt, "warmup", true);
requireNode22("wrangler, global WebSocket");

const access = await createAccess();
const port = await freePortPair();
const { open } = agentClient({ port, token: access.token, timeoutMs: TIMEOUT_MS });
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-voice-"));
const SOURCE = gitRevision();
await runBench({ stateDir }, async (run) => {
  const wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, bundle: buildOnce({ config: CONFIG, stateDir }), vars: access.vars }));
  await waitReady(wrangler);
  saveResults(HERE, await runAll(), printTable);
});

/** A call socket: start_call, then one utterance per turn (a binary frame, as the scripted transcriber hears it). */
async function callOn(path, sub) {
  const conn = await open(path, sub);
  const inside = [];
  conn.ws.binaryType = "arraybuffer";
  let onEvent = () => {};
  conn.ws.addEventListener("message", (event) => {
    const at = performance.now();
    if (typeof event.data === "string") {
      const frame = JSON.parse(event.data);
      if (frame.type === "status") onEvent({ status: frame.status, at });
      if (frame.type === "transcript_delta" || frame.type === "transcript_start") onEvent({ text: true, at });
      // Steward's own per-turn timings, measured in the Durable Object (src/voice/call.ts).
      if (frame.type === "steward_call_turn") inside.push(frame);
    } else onEvent({ audio: true, at });
  });
  const listening = new Promise((resolve) => (onEvent = (e) => e.status === "listening" && resolve()));
  conn.ws.send(JSON.stringify({ type: "hello", protocol_version: 1 }));
  conn.ws.send(JSON.stringify({ type: "start_call" }));
  await withTimeout(listening, `start_call on ${path}`, TIMEOUT_MS);
  return {
    inside,
    close: () => conn.close(),
    /** Sends one utterance; resolves with ms to the first and the last audio frame. */
    turn(text) {
      const t0 = performance.now();
      let first;
      let firstText;
      let frames = 0;
      const done = new Promise((resolve) => {
        onEvent = (e) => {
          if (e.text) firstText ??= e.at - t0;
          if (!e.audio) return;
          first ??= e.at - t0;
          if (++frames === AUDIO_FRAMES) resolve({ firstText, firstAudio: first, lastAudio: e.at - t0 });
        };
      });
      conn.ws.send(new TextEncoder().encode(text));
      return withTimeout(done, `turn on ${path}`, TIMEOUT_MS);
    }
  };
}

async function runAll() {
  const runId = randomUUID().slice(0, 8);
  const load0 = load1m();
  const sub = `voice-${runId}`;
  const owner = await open("/agent", sub);
  const session = await rpc(owner, "createCallSession", []);
  const calls = {
    steward: await callOn(`/agent/voice/${session.id}`, sub),
    bare: await callOn(`/agents/bare-voice/${sub}`, sub)
  };
  for (let i = 0; i < WARMUP; i++) for (const side of SIDES) await calls[side].turn("hello there");
  const samples = { steward: [], bare: [] };
  for (let i = 0; i < N; i++) {
    // Alternate which side goes first, so drift in machine load hits both alike.
    const order = i % 2 ? ["bare", "steward"] : ["steward", "bare"];
    for (const side of order) {
      if (PAUSE) await sleep(PAUSE);
      samples[side].push(await calls[side].turn(`hello number ${i}`));
    }
  }
  const inside = calls.steward.inside.slice(-N);
  for (const call of Object.values(calls)) call.close();
  owner.close();
  const summary = Object.fromEntries(
    SIDES.map((side) => [
      side,
      {
        firstTextMs: stats(samples[side].map((s) => s.firstText ?? NaN)),
        firstAudioMs: stats(samples[side].map((s) => s.firstAudio)),
        lastAudioMs: stats(samples[side].map((s) => s.lastAudio))
      }
    ])
  );
  const ratio = (key, q) => round(summary.steward[key][q] / summary.bare[key][q], 2);
  return {
    source: SOURCE,
    turns: N,
    pauseMs: PAUSE,
    warmup: WARMUP,
    summary,
    ratios: {
      firstAudioP50: ratio("firstAudioMs", "p50"),
      firstAudioP95: ratio("firstAudioMs", "p95"),
      lastAudioP50: ratio("lastAudioMs", "p50"),
      lastAudioP95: ratio("lastAudioMs", "p95")
    },
    goal: "steward ≤ 1.2 × bare",
    // Inside Steward's call: end of utterance → the session's first text and first audio, per its own clock.
    stewardInside: { firstTextMs: stats(inside.map((t) => t.firstTextMs ?? NaN)), firstAudioMs: stats(inside.map((t) => t.firstAudioMs ?? NaN)) },
    machine: machine(load0)
  };
}

function printTable(r) {
  console.log(`\nvoice turn latency, ${r.turns} turns per side (ms from the end of the utterance)`);
  console.log("side      first audio p50   p95     last audio p50   p95");
  for (const side of SIDES) {
    const s = r.summary[side];
    console.log(
      `${side.padEnd(9)} ${String(s.firstAudioMs.p50).padStart(15)} ${String(s.firstAudioMs.p95).padStart(7)} ${String(s.lastAudioMs.p50).padStart(16)} ${String(s.lastAudioMs.p95).padStart(7)}`
    );
  }
  console.log(`first text frame p50: steward ${r.summary.steward.firstTextMs.p50}, bare ${r.summary.bare.firstTextMs.p50}`);
  console.log(`inside Steward's call (its own clock): first text p50 ${r.stewardInside.firstTextMs.p50}, first audio p50 ${r.stewardInside.firstAudioMs.p50}`);
  console.log(
    `steward / bare: first audio p50 ${r.ratios.firstAudioP50}×, p95 ${r.ratios.firstAudioP95}×; last audio p50 ${r.ratios.lastAudioP50}×, p95 ${r.ratios.lastAudioP95}× (goal ≤ 1.2×)`
  );
}
