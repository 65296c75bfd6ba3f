// The task API against the chat WebSocket for the same turn: submit → first
// SSE event and → done, vs a chat turn's first text and done on a session
// socket. Both sides use the same zero-latency scripted model, so the
// difference is the API's own path (HTTP submit, task row, fiber, Think
// submission queue, progress relay, SSE).
// Run with `npm run bench -- task-api [--turns 20] [--warmup 3]`. Loopback only.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { agentClient, chat, rpc } from "../lib/agent-client.mjs";
import { createAccess } from "../lib/auth.mjs";
import { positive, requireNode22 } from "../lib/cli.mjs";
import { gitRevision, load1m, machine, runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { round, stats } from "../lib/stats.mjs";
import { withTimeout } from "../lib/time.mjs";
import { buildOnce, startWrangler, waitReady } from "../lib/wrangler.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIG = "bench/task-api/wrangler.jsonc";
const TIMEOUT_MS = 20_000;

const { values: opt } = parseArgs({ options: { turns: { type: "string", default: "20" }, warmup: { type: "string", default: "3" } } });
const N = positive(opt, "turns");
const WARMUP = positive(opt, "warmup", true);
requireNode22("wrangler, global WebSocket");

const access = await createAccess();
const port = await freePortPair();
const base = `http://127.0.0.1:${port}`;
const { open } = agentClient({ port, token: access.token, timeoutMs: TIMEOUT_MS });
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-"));
const SOURCE = gitRevision();
await runBench({ stateDir }, async (run) => {
  const wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, bundle: buildOnce({ config: CONFIG, stateDir }), vars: access.vars }));
  await waitReady(wrangler);
  saveResults(HERE, await measure(), print);
});

/** One task over HTTP: POST, then follow its events until done. Times from the POST. */
async function apiTurn(headers, session) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/tasks`, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ prompt: "hello", ...(session && { session }) })
  });
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
  const { id, session: used } = await res.json();
  const accepted = performance.now() - t0;
  const events = await fetch(`${base}/api/tasks/${id}/events`, { headers });
  const reader = events.body.pipeThrough(new TextDecoderStream()).getReader();
  let firstEvent;
  let firstText;
  let buffer = "";
  const done = await withTimeout(
    (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) throw new Error("event stream ended before done");
        buffer += next.value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.+)$/m.exec(frame)?.[1];
          if (!type) continue;
          firstEvent ??= performance.now() - t0;
          if (type === "text") firstText ??= performance.now() - t0;
          if (type === "done") return performance.now() - t0;
        }
      }
    })(),
    "task events",
    TIMEOUT_MS
  );
  await reader.cancel().catch(() => {});
  return { accepted, firstEvent, firstText, done, session: used };
}

async function measure() {
  const load0 = load1m();
  const sub = `task-api-${randomUUID().slice(0, 8)}`;
  const headers = { "Cf-Access-Jwt-Assertion": await access.token(sub) };
  const owner = await open("/agent", sub);
  const chatSession = await rpc(owner, "createSession", [{ title: "bench" }]);
  const socket = await open(`/agent/sub/conversation/${chatSession.id}`, sub);

  // The first task creates its api session (a new facet); later ones continue it, like the chat socket's session.
  const first = await apiTurn(headers);
  const session = first.session;
  for (let i = 0; i < WARMUP; i++) {
    await apiTurn(headers, session);
    await chat(socket, "hello");
  }
  const api = [];
  const ws = [];
  for (let i = 0; i < N; i++) {
    const order = i % 2 === 0 ? ["api", "ws"] : ["ws", "api"];
    for (const side of order) {
      if (side === "api") api.push(await apiTurn(headers, session));
      else ws.push(await chat(socket, "hello"));
    }
  }
  socket.close();
  owner.close();
  const p50 = (list) => stats(list).p50;
  const result = {
    api: {
      acceptedMs: stats(api.map((s) => s.accepted)),
      firstEventMs: stats(api.map((s) => s.firstEvent)),
      firstTextMs: stats(api.map((s) => s.firstText)),
      doneMs: stats(api.map((s) => s.done)),
      firstTaskNewSession: { firstEventMs: round(first.firstEvent, 1), doneMs: round(first.done, 1) }
    },
    websocket: { firstTextMs: stats(ws.map((s) => s.ttft)), doneMs: stats(ws.map((s) => s.ms)) }
  };
  return {
    at: new Date().toISOString(),
    source: SOURCE,
    machine: machine(load0),
    options: { turns: N, warmup: WARMUP },
    ...result,
    ratio: {
      firstEventVsWsFirstText: round(p50(api.map((s) => s.firstEvent)) / p50(ws.map((s) => s.ttft)), 2),
      firstTextP50: round(p50(api.map((s) => s.firstText)) / p50(ws.map((s) => s.ttft)), 2),
      doneP50: round(p50(api.map((s) => s.done)) / p50(ws.map((s) => s.ms)), 2)
    }
  };
}

function print(r) {
  const row = (name, s) => `${name.padEnd(34)} p50 ${String(s.p50).padStart(7)} ms   p95 ${String(s.p95).padStart(7)} ms`;
  console.log(`\nTask API vs chat WebSocket, same scripted turn (${r.options.turns} each, load ${r.machine.loadavg1m.start} → ${r.machine.loadavg1m.end})`);
  console.log(row("API: POST → 202", r.api.acceptedMs));
  console.log(row("API: POST → first SSE event", r.api.firstEventMs));
  console.log(row("API: POST → first text event", r.api.firstTextMs));
  console.log(row("API: POST → done event", r.api.doneMs));
  console.log(row("WebSocket: send → first text", r.websocket.firstTextMs));
  console.log(row("WebSocket: send → done", r.websocket.doneMs));
  console.log(`first task (new api session): first event ${r.api.firstTaskNewSession.firstEventMs} ms, done ${r.api.firstTaskNewSession.doneMs} ms`);
  console.log(
    `ratio (API / WebSocket, p50): first event vs first text ${r.ratio.firstEventVsWsFirstText}×, first text ${r.ratio.firstTextP50}×, done ${r.ratio.doneP50}×`
  );
}
