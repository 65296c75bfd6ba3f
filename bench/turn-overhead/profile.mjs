// Where a turn's CPU goes: samples workerd's V8 profiler (over wrangler dev's
// inspector) while N turns run on one side, then prints the functions with
// the most self time. `npm run bench -- turn-overhead` measures; this explains.
// Run with `node bench/turn-overhead/profile.mjs [--side steward|bare] [--turns 100]`.
// Talks only to 127.0.0.1.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { agentClient, chat, rpc } from "../lib/agent-client.mjs";
import { createAccess } from "../lib/auth.mjs";
import { fail, positive, requireNode22 } from "../lib/cli.mjs";
import { runBench } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { buildOnce, startWrangler, waitReady } from "../lib/wrangler.mjs";

const CONFIG = "bench/turn-overhead/wrangler.jsonc";
const { values: opt } = parseArgs({
  options: { side: { type: "string", default: "steward" }, turns: { type: "string", default: "100" }, top: { type: "string", default: "30" } }
});
if (!["steward", "bare"].includes(opt.side)) fail('--side must be "steward" or "bare"');
const N = positive(opt, "turns");
const TOP = positive(opt, "top");
requireNode22("wrangler, global WebSocket");

const access = await createAccess();
const port = await freePortPair();
const { open } = agentClient({ port, token: access.token, timeoutMs: 15_000 });
const stateDir = mkdtempSync(join(tmpdir(), "steward-profile-"));

await runBench({ stateDir }, async (run) => {
  const wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, bundle: buildOnce({ config: CONFIG, stateDir }), vars: access.vars }));
  await waitReady(wrangler);
  const user = `profile-${randomUUID().slice(0, 8)}`;
  let conn;
  let owner;
  if (opt.side === "steward") {
    owner = await open("/agent", user);
    const session = await rpc(owner, "createSession", [{ title: "profile" }]);
    conn = await open(`/agent/sub/conversation/${session.id}`, user);
  } else {
    conn = await open(`/agents/bare-think/${user}`, user);
  }
  for (let i = 0; i < 20; i++) await chat(conn, "hello");

  const inspector = await connectInspector(port + 1);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
  await inspector.send("Profiler.start");
  for (let i = 0; i < N; i++) await chat(conn, "hello");
  const { profile } = await inspector.send("Profiler.stop");
  inspector.close();
  conn.close();
  owner?.close();
  report(profile);
});

/** The first target workerd's inspector lists (the Worker's isolate). */
async function connectInspector(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? fail("workerd's inspector lists no target");
  // wrangler's inspector proxy only accepts local Origins
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: `http://127.0.0.1:${inspectorPort}` } });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", (event) => reject(new Error(`inspector: ${event.message ?? event.type}`)), { once: true });
  });
  let next = 1;
  const waiting = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data));
    const pending = message.id && waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id);
    if (message.error) pending.reject(new Error(message.error.message));
    else pending.resolve(message.result);
  });
  return {
    send(method, params = {}) {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    close: () => ws.close()
  };
}

/** Self time per function (name + line), and per top-level bucket, in ms per turn. */
function report(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totals = new Map();
  let all = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const frame = byId.get(id)?.callFrame;
    const name = frame?.functionName || "(anonymous)";
    if (name === "(idle)" || name === "(program)") {
      idle += micros;
      continue;
    }
    all += micros;
    const key = `${name} ${frame?.url ? `${frame.url.split("/").pop()}:${frame.lineNumber + 1}` : ""}`;
    totals.set(key, (totals.get(key) ?? 0) + micros);
  }
  // Inclusive time: every function on a sample's stack, once per sample.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map();
  profile.samples.forEach((id, i) => {
    const names = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName;
      if (name && name !== "(root)") names.add(name);
    }
    for (const name of names) inclusive.set(name, (inclusive.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const perTurn = (micros) => (micros / 1000 / N).toFixed(2);
  console.log(`\n${opt.side}: ${N} turns, JS self time ${perTurn(all)} ms/turn (idle/program ${perTurn(idle)} ms/turn)\n`);
  console.log("  ms/turn  share  function");
  for (const [key, micros] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${perTurn(micros).padStart(7)}  ${((micros / all) * 100).toFixed(1).padStart(4)}%  ${key}`);
  }
  console.log("\n  inclusive ms/turn  function (everything it called, too)");
  for (const [name, micros] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${perTurn(micros).padStart(7)}  ${name}`);
  }
}
