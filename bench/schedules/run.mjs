// Scheduled tasks under load: U users × T one-off tasks all due at the same
// instant on one local `wrangler dev`, answered by the offline command model.
// Checks every occurrence ran exactly once and prints lateness, next to a bare
// Agents SDK `this.schedule(date)` callback (the floor) due at one instant too.
// Run with `npm run bench -- schedules [--users 100] [--tasks 10] [--lead 60]`.
// Talks only to 127.0.0.1; the Access key is generated per run.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SignJWT, exportJWK, generateKeyPair } from "jose";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const ISSUER = "https://steward-bench.cloudflareaccess.com";
const AUDIENCE = "steward-bench";
const TIMEOUT_MS = 60_000; // any single socket open or RPC (the runtime is saturated while tasks run)
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const CONFIG = "bench/schedules/wrangler.jsonc";
const QUIET_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true" };
/** A cheap command: one tool call and one rendered answer, no Dynamic Worker. */
const PROMPT = "/tiers";

const { values: opt } = parseArgs({
  options: {
    users: { type: "string", default: "100" },
    tasks: { type: "string", default: "10" },
    lead: { type: "string", default: "60" }, // seconds from start to the due instant (setup must fit)
    concurrency: { type: "string", default: "8" },
    deadline: { type: "string", default: "900" } // seconds after the due instant to wait for every run
  }
});
const USERS = positive("users");
const TASKS = positive("tasks");
const LEAD_S = positive("lead");
const CONCURRENCY = positive("concurrency");
const DEADLINE_S = positive("deadline");
if (TASKS > 50) fail("--tasks must be at most 50 (the per-user task limit)");
if (Number(process.versions.node.split(".")[0]) < 22) fail("needs Node 22 (wrangler, global WebSocket): run it through `npm run bench`");

const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "RS256", use: "sig" }] };
const tokens = new Map();
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-schedules-"));
const SOURCE = gitRevision();
let wrangler;
let pollTimeouts = 0; // polls that timed out while the runtime was busy (retried)
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
    console.log("\nwrote bench/schedules/last-run.json");
    if (!results.steward.exactlyOnce || !results.bare.exactlyOnce) process.exitCode = 1;
  } catch (error) {
    console.error(`bench failed: ${error?.stack ?? error}`);
    if (wrangler) console.error(`--- wrangler log (tail) ---\n${readFileSync(wrangler.log, "utf8").split("\n").slice(-30).join("\n")}`);
    process.exitCode = 1;
  } finally {
    await wrangler?.stop();
  }
}

async function runAll() {
  const runId = randomUUID().slice(0, 8);
  const load0 = round(loadavg()[0], 2);
  const users = Array.from({ length: USERS }, (_, i) => `sched-${runId}-${i}`);

  // ── Steward: every user creates TASKS one-off tasks due at `due` ──
  const due = Math.ceil((Date.now() + LEAD_S * 1000) / 1000) * 1000;
  const setup0 = performance.now();
  await forEach(users, async (user) => {
    const agent = await open("/agent", user);
    for (let i = 0; i < TASKS; i++) {
      await rpc(agent, "createTask", [{ when: { kind: "once", at: due }, prompt: PROMPT, title: `bench ${i}` }]);
    }
    agent.close();
  });
  const setupS = round((performance.now() - setup0) / 1000, 1);
  if (Date.now() >= due - 1000) throw new Error(`setup took ${setupS} s, past the due instant; raise --lead`);

  const cpu0 = workerdCpuMs();
  await sleep(due - Date.now() + 10_000);
  const views = await waitAll(users, async (agent) => {
    const tasks = await rpc(agent, "listTasks", []);
    return tasks.every((t) => t.history.length > 0 && t.history.every((r) => r.status !== "running")) ? tasks : null;
  }, due);
  const allDoneAt = Date.now();
  const cpuS = round((workerdCpuMs() - cpu0) / 1000, 1);

  // Exactly once: one finished run per task, one notification per task — and still so a little later.
  await sleep(5000);
  const recheck = await waitAll(users, async (agent) => ({
    tasks: await rpc(agent, "listTasks", []),
    notes: await rpc(agent, "listNotifications", [{ unreadOnly: false, limit: 200 }])
  }), Date.now());
  const runs = views.flat().flatMap((t) => t.history);
  const problems = [];
  for (const [i, { tasks, notes }] of recheck.entries()) {
    if (tasks.length !== TASKS) problems.push(`${users[i]}: ${tasks.length} tasks`);
    for (const t of tasks) {
      if (t.history.length !== 1) problems.push(`${users[i]} ${t.id}: ${t.history.length} runs`);
      else if (t.history[0].status !== "done") problems.push(`${users[i]} ${t.id}: ${t.history[0].status} ${t.history[0].error ?? ""}`);
      else if (!String(t.history[0].result).includes("tier")) problems.push(`${users[i]} ${t.id}: unexpected result ${t.history[0].result}`);
    }
    if (notes.length !== TASKS) problems.push(`${users[i]}: ${notes.length} notifications`);
  }

  // ── Baseline: bare agents, one `this.schedule(date)` row per "task" ──
  const bareUsers = users.map((u) => `bare-${u}`);
  const bareDue = Math.ceil((Date.now() + 20_000) / 1000) * 1000;
  await forEach(bareUsers, async (name) => {
    const agent = await open(`/agents/bare-scheduler/${name}`, name);
    await rpc(agent, "arm", [bareDue, TASKS]);
    agent.close();
  });
  if (Date.now() >= bareDue - 1000) throw new Error("baseline setup ran past its due instant");
  await sleep(bareDue - Date.now() + 2000);
  const fired = await waitAll(bareUsers, async (agent) => {
    const rows = await rpc(agent, "fired", []);
    return rows.length >= TASKS ? rows : null;
  }, bareDue, (name) => `/agents/bare-scheduler/${name}`);
  const bareRows = fired.flat();
  const bareProblems = fired.filter((rows) => rows.length !== TASKS).map((rows) => `${rows.length} callbacks`);

  return {
    at: new Date().toISOString(),
    source: SOURCE,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "", node: process.version, loadavg1m: { start: load0, end: round(loadavg()[0], 2) } },
    options: { users: USERS, tasks: TASKS, leadSeconds: LEAD_S, concurrency: CONCURRENCY, prompt: PROMPT },
    steward: {
      occurrences: USERS * TASKS,
      runs: runs.length,
      exactlyOnce: problems.length === 0,
      problems: problems.slice(0, 20),
      setupSeconds: setupS,
      // Claimed: the wake-up took the occurrence; finished: its turn was done and the result delivered.
      claimLatenessMs: stats(runs.map((r) => r.startedAt - r.scheduledFor)),
      finishLatenessMs: stats(runs.map((r) => r.finishedAt - r.scheduledFor)),
      allDoneSeconds: round((allDoneAt - due) / 1000, 1), // as seen by polling (3 s rounds)
      pollTimeouts,
      workerdCpuSecondsWhileRunning: cpuS
    },
    bare: {
      occurrences: USERS * TASKS,
      runs: bareRows.length,
      exactlyOnce: bareProblems.length === 0 && bareRows.length === USERS * TASKS,
      latenessMs: stats(bareRows.map((r) => r.at - r.due))
    }
  };
}

/** Runs `fn` for every item, CONCURRENCY at a time. */
async function forEach(items, fn) {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) await fn(item);
  }));
}

/** Polls each user's agent until `read` returns non-null; returns the values in user order. */
async function waitAll(names, read, since, path = () => "/agent") {
  const out = new Array(names.length).fill(null);
  const deadline = since + DEADLINE_S * 1000;
  while (out.some((v) => v === null)) {
    if (Date.now() > deadline) throw new Error(`${out.filter((v) => v === null).length} agents not finished ${DEADLINE_S} s after the due instant`);
    const pending = names.map((n, i) => [n, i]).filter(([, i]) => out[i] === null);
    await forEach(pending, async ([name, i]) => {
      // While a thousand turns run, one poll can wait longer than its timeout: try again next round.
      const agent = await open(path(name), name).catch(() => null);
      if (!agent) return void pollTimeouts++;
      try {
        out[i] = await read(agent);
      } catch {
        pollTimeouts++;
      } finally {
        agent.close();
      }
    });
    if (out.some((v) => v === null)) await sleep(3000);
  }
  return out;
}

// ── Protocol ─────────────────────────────────────────────────────────

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

function rpc(conn, method, args) {
  const id = randomUUID();
  const done = new Promise((resolve, reject) => {
    conn.handlers.set(id, (frame) => {
      if (frame.type !== "rpc") return;
      if (!frame.success) reject(new Error(`${method}: ${frame.error}`));
      else if (frame.done !== false) resolve(frame.result);
    });
  });
  conn.ws.send(JSON.stringify({ type: "rpc", id, method, args }));
  return withTimeout(done, `rpc ${method} on ${conn.path}`).finally(() => conn.handlers.delete(id));
}

async function accessToken(sub) {
  if (!tokens.has(sub)) {
    tokens.set(
      sub,
      await new SignJWT({ email: `${sub}@bench.invalid`, type: "app" })
        .setProtectedHeader({ alg: "RS256", kid: "bench" })
        .setSubject(sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("2h")
        .sign(privateKey)
    );
  }
  return tokens.get(sub);
}

// ── wrangler dev in its own process group (as bench/turn-overhead) ────

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
    WRANGLER, "dev", bundle, "--no-bundle", "-c", CONFIG,
    "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-ip", "127.0.0.1", "--inspector-port", String(port + 1),
    "--persist-to", join(stateDir, "state"),
    "--show-interactive-dev-session=false",
    "--var", `ACCESS_JWKS:${JSON.stringify(jwks)}`,
    "--var", `ACCESS_TEAM_DOMAIN:${ISSUER}`,
    "--var", `ACCESS_AUD:${AUDIENCE}`
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

function workerdCpuMs() {
  const found = groupPids().filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return cmd[0]?.endsWith("/workerd") && !cmd.includes(`--socket-addr=entry=127.0.0.1:${port}`);
    } catch {
      return false;
    }
  });
  if (found.length !== 1) return NaN;
  const stat = readFileSync(`/proc/${found[0]}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// ── Output and helpers ───────────────────────────────────────────────

function printTable(r) {
  const s = r.steward;
  const f = (n) => String(n).padStart(9);
  const row = (label, st) => `  ${label.padEnd(28)}${f(st.p50)}${f(st.p95)}${f(st.max)}`;
  console.log(`
Scheduled tasks — ${r.source}, ${r.machine.cpus} CPUs, load ${r.machine.loadavg1m.start}→${r.machine.loadavg1m.end}, wrangler dev (local workerd), offline command model

${r.options.users} users × ${r.options.tasks} one-off tasks due at the same instant (prompt ${r.options.prompt}: a full turn each, in its own session)
  exactly once: ${s.exactlyOnce ? "yes" : "NO"} — ${s.runs} runs for ${s.occurrences} occurrences${s.problems.length ? `\n  problems: ${s.problems.join("; ")}` : ""}
  setup ${s.setupSeconds} s; all runs seen finished ${s.allDoneSeconds} s after the due instant; workerd CPU meanwhile ${s.workerdCpuSecondsWhileRunning} s

  lateness, ms                      p50      p95      max
${row("steward: claimed (wake-up)", s.claimLatenessMs)}
${row("steward: finished + delivered", s.finishLatenessMs)}
${row("bare this.schedule callback", r.bare.latenessMs)}   (${r.bare.runs} callbacks for ${r.bare.occurrences}; exactly once: ${r.bare.exactlyOnce ? "yes" : "NO"})`);
}

function gitRevision() {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty", "--exclude=*"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, p50: NaN, p95: NaN, max: NaN };
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { n: sorted.length, p50: Math.round(at(0.5)), p95: Math.round(at(0.95)), max: Math.round(sorted.at(-1)) };
}

async function freePort() {
  for (let i = 0; i < 20; i++) {
    const p = await new Promise((resolve, reject) => {
      const srv = createServer().once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const { port: got } = srv.address();
        srv.close(() => resolve(got));
      });
    }).catch(() => 0);
    if (p && p < 65535 && (await portFree(p)) && (await portFree(p + 1))) return p;
  }
  throw new Error("no free loopback port pair");
}

function portFree(p) {
  return new Promise((resolve) => {
    const srv = createServer().once("error", () => resolve(false));
    srv.listen(p, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), TIMEOUT_MS)))]).finally(() =>
    clearTimeout(timer)
  );
}

function positive(name) {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) fail(`--${name} must be an integer ≥ 1`);
  return n;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function round(n, digits) {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}
