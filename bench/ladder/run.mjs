// Cold and warm latency of one trivial task on each tier of the execution
// ladder, measured in one run on one local `wrangler dev`, with each tier's
// ratio to tier 1. Run with `npm run bench -- ladder [--users 3] [--warm 10]`.
//
// Every task goes the whole way a user's does: a chat frame over the
// conversation's WebSocket → Think → the offline command model → the tool
// (policy, audit) → the tier's runtime → the streamed answer. Timed from
// sending the frame to the turn's done frame.
//   cold: the tier's first task for a user whose agent is already up (new
//         Dynamic Worker; tier 2 fetches and bundles its package; tier 3
//         launches a browser). Median over --users fresh users.
//   warm: the same task again in the same session. Median/p95 over --warm runs
//         per user.
// Talks only to 127.0.0.1: a loopback npm registry and website (test/fixtures)
// stand in for registry.npmjs.org and the web.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureChromium } from "../../scripts/setup-chromium.mjs";
import { startNpmRegistry } from "../../test/fixtures/npm-registry.ts";
import { startSite } from "../../test/fixtures/site.ts";
import { agentClient, chat, rpc } from "../lib/agent-client.mjs";
import { createAccess } from "../lib/auth.mjs";
import { fail, positive, requireNode22 } from "../lib/cli.mjs";
import { runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { startWrangler, waitReady } from "../lib/wrangler.mjs";
import { TIER4_RUNNER, startSandboxFixture } from "./tier4.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFIG = "bench/ladder/wrangler.jsonc";
const TIMEOUT_MS = 120_000;

const { values: opt } = parseArgs({
  options: {
    users: { type: "string", default: "3" },
    warm: { type: "string", default: "10" },
    tiers: { type: "string", default: "" } // e.g. "1,2": run only these
  }
});
const USERS = positive(opt, "users");
const WARM = positive(opt, "warm");
requireNode22("wrangler, WebSocket, .ts fixtures");

/**
 * The ladder's rows: one trivial task per tier. A tier is one more entry:
 * `permission` is set for the bench user first, `task(ctx)` is the chat text,
 * and `check(output)` throws unless the tool really did the job.
 */
const TIER_RUNNERS = [
  {
    tier: 1,
    name: "isolate",
    task: () => "/run 6*7",
    check: (out) => expectValue(out, 42)
  },
  {
    tier: 2,
    name: "npm",
    task: () => '/npm import { shout } from "steward-shout";\nreturn shout("hi")',
    check: (out) => expectValue(out, "HI!")
  },
  {
    tier: 3,
    name: "browser",
    permission: "allow", // default "ask" would wait for a person
    task: (ctx) => `/browse ${ctx.site}/`,
    check: (out) => {
      if (!out?.ok || !String(out.text).includes("Steward fixture site")) throw new Error(`browse failed: ${JSON.stringify(out).slice(0, 300)}`);
    }
  },
  TIER4_RUNNER
];

const selected = opt.tiers ? TIER_RUNNERS.filter((r) => opt.tiers.split(",").map(Number).includes(r.tier)) : TIER_RUNNERS;
if (selected.length === 0) fail(`--tiers matched none of ${TIER_RUNNERS.map((r) => r.tier).join(",")}`);

const access = await createAccess();
const port = await freePortPair();
const { open } = agentClient({ port, token: access.token, timeoutMs: TIMEOUT_MS });
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-ladder-"));
let fixtures = [];
await runBench({ stateDir, cleanup: () => Promise.all(fixtures.map((f) => f.close())) }, async (run) => {
  if (selected.some((r) => r.tier === 3)) {
    const chromium = ensureChromium();
    if (!chromium.ok) fail(chromium.message);
  }
  const registry = await startNpmRegistry();
  const site = await startSite();
  fixtures = [registry, site];
  const sandbox = selected.some((r) => r.tier === 4) ? await startSandboxFixture() : null;
  if (sandbox) fixtures.push(sandbox);
  const wrangler = run.track(
    startWrangler({ config: CONFIG, port, stateDir, vars: { ...access.vars, NPM_REGISTRY_URL: registry.url }, args: sandbox?.wranglerVars ?? [] })
  );
  await waitReady(wrangler, { timeoutMs: 90_000 });
  saveResults(HERE, await measure({ site: site.url }), printTable);
});

async function measure(ctx) {
  const rows = Object.fromEntries(selected.map((r) => [r.tier, { cold: [], warm: [] }]));
  for (let u = 0; u < USERS; u++) {
    const sub = `bench-ladder-${u}-${randomUUID()}`;
    const agent = await open("/agent", sub);
    for (const runner of selected) if (runner.permission) await rpc(agent, "setTierPermission", [runner.tier, runner.permission]);
    const session = await rpc(agent, "createSession", [{ title: "ladder bench" }]);
    agent.close();
    const conn = await open(`/agent/sub/conversation/${session.id}`, sub);
    await chat(conn, "/tiers"); // the agent and the conversation are up before anything is timed
    // Tiers interleave per user so drift on a busy machine hits every row alike.
    for (const runner of selected) {
      const first = await chat(conn, runner.task(ctx));
      runner.check(first.output);
      rows[runner.tier].cold.push(first.ms);
    }
    for (let i = 0; i < WARM; i++) {
      for (const runner of selected) {
        const again = await chat(conn, runner.task(ctx));
        runner.check(again.output);
        rows[runner.tier].warm.push(again.ms);
      }
    }
    conn.close();
    process.stdout.write(`user ${u + 1}/${USERS} done\n`);
  }
  return {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: loadavg().map((n) => Number(n.toFixed(2))) },
    users: USERS,
    warmRunsPerUser: WARM,
    tiers: selected.map((r) => ({
      tier: r.tier,
      name: r.name,
      coldMs: r.tier in rows ? summary(rows[r.tier].cold) : null,
      warmMs: r.tier in rows ? summary(rows[r.tier].warm) : null
    }))
  };
}

function printTable(results) {
  const base = results.tiers.find((t) => t.tier === 1);
  const ratio = (value, of) => (of ? `${(value / of).toFixed(1)}x` : "–");
  console.log(`\nOne trivial task per tier; ${results.users} fresh users, ${results.warmRunsPerUser} warm runs each (ms, chat frame → done)`);
  console.log("  tier          cold p50   first cold   warm p50   warm p95   cold/t1   warm/t1");
  for (const t of results.tiers) {
    console.log(
      `  ${`${t.tier} ${t.name}`.padEnd(12)} ${t.coldMs.p50.toFixed(0).padStart(9)} ${t.coldMs.first.toFixed(0).padStart(12)} ${t.warmMs.p50
        .toFixed(0)
        .padStart(
          10
        )} ${t.warmMs.p95.toFixed(0).padStart(10)} ${ratio(t.coldMs.p50, base?.coldMs.p50).padStart(9)} ${ratio(t.warmMs.p50, base?.warmMs.p50).padStart(9)}`
    );
  }
  console.log(
    `  (${results.machine.cpus} CPUs, load ${results.machine.loadavg.join(" ")}; "first cold" is the first user's, which also pays one-off start-up: esbuild, Chromium)`
  );
}

// ── Small helpers ────────────────────────────────────────────────────

function expectValue(out, value) {
  if (!out?.ok || JSON.stringify(out.value) !== JSON.stringify(value))
    throw new Error(`expected ${JSON.stringify(value)}, got ${JSON.stringify(out).slice(0, 300)}`);
}

/** The ladder's own summary: "first" and min beside p50/p95 at index ⌊q·n⌋ (the upper median), as its table has always shown. */
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: values.length, first: values[0], p50: at(0.5), p95: at(0.95), min: sorted[0], max: sorted.at(-1) };
}
