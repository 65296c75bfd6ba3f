// What an extension and an MCP connection cost per call, in one run on one
// local `wrangler dev`: run with `npm run bench -- extensions [--warm 20]`.
//
//   extension vs tier 1: `/tool ext_tabular_summarise` (the bundled extension in
//     its own Dynamic Worker, workspace through Steward's host binding) against
//     `/run` of the same code as a tier 1 run_code (node:fs/promises in the
//     isolate). Both are whole chat turns: frame → Think → command model →
//     gate → runtime → audit → done frame.
//   MCP vs direct: `/tool mcp_fixture_echo` (a chat turn whose tool call goes
//     through the agent's MCP client to a loopback MCP server) against one
//     direct JSON-RPC tools/call from this process to the same server.
// Cold is each row's first call for a fresh user; warm is the median of --warm
// more. Talks only to 127.0.0.1.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startOpenMcpServer } from "../../test/fixtures/mcp-server.ts";
import { agentClient, chat, rpc } from "../lib/agent-client.mjs";
import { createAccess } from "../lib/auth.mjs";
import { positive, requireNode22 } from "../lib/cli.mjs";
import { gitRevision, load1m, machine, runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { stats } from "../lib/stats.mjs";
import { startWrangler, waitReady } from "../lib/wrangler.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const CONFIG = "bench/extensions/wrangler.jsonc";
const TIMEOUT_MS = 60_000;

const { values: opt } = parseArgs({ options: { warm: { type: "string", default: "20" } } });
const WARM = positive(opt, "warm");
requireNode22("wrangler, WebSocket, .ts fixtures");

// A table worth summarising: 500 rows, three columns.
const CSV =
  ["region,month,amount", ...Array.from({ length: 500 }, (_, i) => `${["north", "south", "east", "west"][i % 4]},m${i % 12},${(i * 37) % 1000}`)].join("\n") +
  "\n";
const PATH = "/workspace/bench/sales.csv";
// The same code, as tier 1 runs it: the extension's module plus a default export that calls it
// with a workspace reader made of node:fs/promises.
const TABULAR = readFileSync(join(ROOT, "extensions/tabular/extension.js"), "utf8");
const RUN_CODE = `import { readFile } from "node:fs/promises";\n${TABULAR}\nexport default async function () {\n  return summarise({ path: ${JSON.stringify(PATH)} }, { workspace: { read: (p) => readFile(p, "utf8") } });\n}\n`;

const ROWS = [
  {
    name: "extension (ext_tabular_summarise)",
    task: () => `/tool ext_tabular_summarise ${JSON.stringify({ path: PATH })}`,
    check: (out) => rowsOf(out?.value)
  },
  { name: "tier 1 run_code, same code", task: () => `/run ${RUN_CODE}`, check: (out) => rowsOf(out?.value) },
  { name: "MCP tool (mcp_fixture_echo)", task: () => '/tool mcp_fixture_echo {"text":"bench"}', check: (out) => expectEcho(out?.text) },
  // What any turn with one tool call costs (tier 0, no runtime): subtract it to see a row's own cost.
  { name: "turn baseline (/tiers, tier 0)", task: () => "/tiers", check: (out) => expectText(out?.text, "Execution ladder") }
];

const access = await createAccess();
const port = await freePortPair();
const { open } = agentClient({ port, token: access.token, timeoutMs: TIMEOUT_MS });
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-extensions-"));
let mcp;
await runBench({ stateDir, cleanup: () => mcp?.close() }, async (run) => {
  const load0 = load1m();
  mcp = await startOpenMcpServer();
  const wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, vars: access.vars }));
  await waitReady(wrangler, { timeoutMs: 90_000 });
  saveResults(HERE, { ...(await measure()), machine: machine(load0), revision: gitRevision() }, printTable);
});

async function measure() {
  const sub = `bench-extensions-${randomUUID()}`;
  const agent = await open("/agent", sub);
  await rpc(agent, "uploadFile", [PATH, Buffer.from(CSV).toString("base64")]);
  await rpc(agent, "addConnection", ["fixture", mcp.endpoint]);
  // Allowed once by the owner, so no call waits for a person (web sessions only).
  await rpc(agent, "setConnectionTrusted", ["fixture", true]);
  const session = await rpc(agent, "createSession", [{ title: "extensions bench" }]);
  agent.close();
  const conn = await open(`/agent/sub/conversation/${session.id}`, sub);
  await chat(conn, "/tiers"); // the agent and the conversation are up before anything is timed
  const samples = Object.fromEntries(ROWS.map((r) => [r.name, { cold: 0, warm: [] }]));
  for (const row of ROWS) {
    const first = await chat(conn, row.task());
    row.check(first.output);
    samples[row.name].cold = first.ms;
  }
  const direct = { cold: await directCall(), warm: [] };
  // Interleaved so drift on a busy machine hits every row alike.
  for (let i = 0; i < WARM; i++) {
    for (const row of ROWS) {
      const again = await chat(conn, row.task());
      row.check(again.output);
      samples[row.name].warm.push(again.ms);
    }
    direct.warm.push(await directCall());
  }
  conn.close();
  const rows = ROWS.map((r) => ({ name: r.name, coldMs: round1(samples[r.name].cold), warmMs: stats(samples[r.name].warm) }));
  rows.push({ name: "direct HTTP tools/call (same MCP server)", coldMs: round1(direct.cold), warmMs: stats(direct.warm) });
  const p50 = (name) => rows.find((r) => r.name.startsWith(name)).warmMs.p50;
  return {
    at: new Date().toISOString(),
    warmRuns: WARM,
    rows,
    ratios: {
      extensionOverRunCode: round1(p50("extension") / p50("tier 1")),
      mcpToolOverDirectHttp: round1(p50("MCP tool") / p50("direct HTTP")),
      // Each row's own cost beyond a tool turn's (warm p50 minus the /tiers turn).
      extensionOwnMs: round1(p50("extension") - p50("turn baseline")),
      runCodeOwnMs: round1(p50("tier 1") - p50("turn baseline")),
      mcpOwnMs: round1(p50("MCP tool") - p50("turn baseline"))
    }
  };
}

/** The baseline: one JSON-RPC tools/call straight to the fixture (no agent, no model, no gate). */
async function directCall() {
  const t0 = performance.now();
  const response = await fetch(mcp.endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "bench" } } })
  });
  const body = await response.json();
  expectEcho(body?.result?.content?.[0]?.text);
  return performance.now() - t0;
}

function rowsOf(value) {
  if (value?.rows !== 500) throw new Error(`summary failed: ${JSON.stringify(value).slice(0, 300)}`);
}

function expectText(text, part) {
  if (typeof text !== "string" || !text.includes(part)) throw new Error(`expected "${part}" in ${JSON.stringify(text)?.slice(0, 200)}`);
}

function expectEcho(text) {
  if (text !== "echo: bench") throw new Error(`echo failed: ${JSON.stringify(text)}`);
}

function round1(n) {
  return Math.round(n * 10) / 10;
}

function printTable(results) {
  console.log(`\nPer call, ${results.warmRuns} warm runs (ms; chat rows: frame → done, direct: one HTTP request)`);
  console.log("  row                                         cold    warm p50   warm p95");
  for (const r of results.rows) {
    console.log(`  ${r.name.padEnd(42)} ${String(r.coldMs).padStart(6)} ${String(r.warmMs.p50).padStart(10)} ${String(r.warmMs.p95).padStart(10)}`);
  }
  console.log(`\n  extension / tier 1 run_code (warm p50): ${results.ratios.extensionOverRunCode}x`);
  console.log(`  MCP tool turn / direct HTTP (warm p50):  ${results.ratios.mcpToolOverDirectHttp}x`);
  const own = results.ratios;
  console.log(`  beyond a /tiers turn (warm p50): extension ${own.extensionOwnMs} ms, run_code ${own.runCodeOwnMs} ms, MCP ${own.mcpOwnMs} ms`);
}
