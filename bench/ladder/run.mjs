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
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { ensureChromium } from "../../scripts/setup-chromium.mjs";
import { startNpmRegistry } from "../../test/fixtures/npm-registry.ts";
import { startSite } from "../../test/fixtures/site.ts";
import { TIER4_RUNNER, startSandboxFixture } from "./tier4.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const CONFIG = "bench/ladder/wrangler.jsonc";
const ISSUER = "https://steward-bench.cloudflareaccess.com";
const AUDIENCE = "steward-bench";
const TIMEOUT_MS = 120_000;
const QUIET_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true" };

const { values: opt } = parseArgs({
  options: {
    users: { type: "string", default: "3" },
    warm: { type: "string", default: "10" },
    tiers: { type: "string", default: "" } // e.g. "1,2": run only these
  }
});
const USERS = positiveInt("users");
const WARM = positiveInt("warm");
if (Number(process.versions.node.split(".")[0]) < 22) fail("needs Node 22 (wrangler, WebSocket, .ts fixtures): run it through `npm run bench`");

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

const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" }] };
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-ladder-"));
let wrangler;
let fixtures = [];
await main();

async function main() {
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  process.on("exit", () => {
    if (wrangler) wrangler.kill("SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  });
  try {
    if (selected.some((r) => r.tier === 3)) {
      const chromium = ensureChromium();
      if (!chromium.ok) fail(chromium.message);
    }
    const registry = await startNpmRegistry();
    const site = await startSite();
    fixtures = [registry, site];
    const sandbox = selected.some((r) => r.tier === 4) ? await startSandboxFixture() : null;
    if (sandbox) fixtures.push(sandbox);
    wrangler = startWrangler(registry.url, sandbox?.wranglerVars ?? []);
    await waitReady();
    const results = await measure({ site: site.url });
    writeFileSync(join(HERE, "last-run.json"), JSON.stringify(results, null, 2) + "\n");
    printTable(results);
    console.log("\nwrote bench/ladder/last-run.json");
  } catch (error) {
    console.error(`bench failed: ${error?.stack ?? error}`);
    if (wrangler && existsSync(wrangler.log)) console.error(`--- wrangler log (tail) ---\n${readFileSync(wrangler.log, "utf8").split("\n").slice(-30).join("\n")}`);
    process.exitCode = 1;
  } finally {
    await wrangler?.stop();
    await Promise.all(fixtures.map((f) => f.close()));
  }
}

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
        .padStart(10)} ${t.warmMs.p95.toFixed(0).padStart(10)} ${ratio(t.coldMs.p50, base?.coldMs.p50).padStart(9)} ${ratio(t.warmMs.p50, base?.warmMs.p50).padStart(9)}`
    );
  }
  console.log(`  (${results.machine.cpus} CPUs, load ${results.machine.loadavg.join(" ")}; "first cold" is the first user's, which also pays one-off start-up: esbuild, Chromium)`);
}

// ── The conversation socket ──────────────────────────────────────────

async function open(path, sub) {
  const token = await accessToken(sub);
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { Origin: origin, "Cf-Access-Jwt-Assertion": token } });
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

/** One chat turn; returns the time to its done frame and the tool's output. */
function chat(conn, text) {
  const message = { id: randomUUID(), role: "user", parts: [{ type: "text", text }] };
  const request = { type: "cf_agent_use_chat_request", init: { method: "POST", body: JSON.stringify({ messages: [message] }) } };
  const t0 = performance.now();
  let output;
  return exchange(conn, request, (frame) => {
    if (frame.type !== "cf_agent_use_chat_response") return;
    if (frame.error) throw new Error(`turn failed: ${frame.body}`);
    const chunk = frame.body ? JSON.parse(frame.body) : null;
    if (chunk?.type === "tool-output-available") output = chunk.output;
    if (chunk?.type === "tool-approval-request") throw new Error(`"${text}" asked for approval; the bench sets its tier to allow`);
    if (frame.done) return { ms: performance.now() - t0, output };
  }, "chat turn");
}

async function accessToken(sub) {
  return new SignJWT({ email: `${sub}@bench.invalid`, type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: "bench" })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(privateKey);
}

// ── wrangler dev in its own process group ────────────────────────────

function startWrangler(registryUrl, extraArgs) {
  const log = join(stateDir, "wrangler.log");
  const fd = openSync(log, "a");
  const args = [
    WRANGLER, "dev",
    "-c", CONFIG,
    "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-ip", "127.0.0.1", "--inspector-port", String(port + 1),
    "--persist-to", join(stateDir, "state"),
    "--show-interactive-dev-session=false",
    "--var", `ACCESS_JWKS:${JSON.stringify(jwks)}`,
    "--var", `ACCESS_TEAM_DOMAIN:${ISSUER}`,
    "--var", `ACCESS_AUD:${AUDIENCE}`,
    "--var", `NPM_REGISTRY_URL:${registryUrl}`,
    ...extraArgs
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
    log,
    exited: () => exited,
    kill,
    async stop() {
      kill("SIGTERM");
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      kill("SIGKILL");
      stopped = true;
    }
  };
}

async function waitReady() {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (wrangler.exited()) throw new Error("wrangler dev exited during startup");
    const status = await fetch(`${origin}/api/me`).then((r) => r.status, () => 0);
    if (status === 401) return;
    await sleep(250);
  }
  throw new Error("wrangler dev was not ready within 90 s");
}

// ── Small helpers ────────────────────────────────────────────────────

function expectValue(out, value) {
  if (!out?.ok || JSON.stringify(out.value) !== JSON.stringify(value)) throw new Error(`expected ${JSON.stringify(value)}, got ${JSON.stringify(out).slice(0, 300)}`);
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: values.length, first: values[0], p50: at(0.5), p95: at(0.95), min: sorted[0], max: sorted.at(-1) };
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS)))
  ]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function positiveInt(name) {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number ≥ 1`);
  return n;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fail(message) {
  console.error(message);
  process.exit(2);
}
