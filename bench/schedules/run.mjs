// Scheduled tasks under load: U users × T one-off tasks all due at the same
// instant on one local `wrangler dev`, answered by the offline command model.
// Checks every occurrence ran exactly once and prints lateness, next to a bare
// Agents SDK `this.schedule(date)` callback (the floor) due at one instant too.
// Run with `npm run bench -- schedules [--users 100] [--tasks 10] [--lead 60]`.
// Talks only to 127.0.0.1; the Access key is generated per run.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { agentClient, rpc } from "../lib/agent-client.mjs";
import { createAccess } from "../lib/auth.mjs";
import { fail, positive, requireNode22 } from "../lib/cli.mjs";
import { gitRevision, load1m, machine, runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { round, stats as statsOf } from "../lib/stats.mjs";
import { sleep } from "../lib/time.mjs";
import { buildOnce, startWrangler, waitReady } from "../lib/wrangler.mjs";
import { workerdCpuMs as cpuOf } from "../lib/workerd.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const TIMEOUT_MS = 60_000; // any single socket open or RPC (the runtime is saturated while tasks run)
const CONFIG = "bench/schedules/wrangler.jsonc";
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
const USERS = positive(opt, "users");
const TASKS = positive(opt, "tasks");
const LEAD_S = positive(opt, "lead");
const CONCURRENCY = positive(opt, "concurrency");
const DEADLINE_S = positive(opt, "deadline");
if (TASKS > 50) fail("--tasks must be at most 50 (the per-user task limit)");
requireNode22("wrangler, global WebSocket");

const access = await createAccess();
const port = await freePortPair();
const { open } = agentClient({ port, token: access.token, timeoutMs: TIMEOUT_MS });
const stateDir = mkdtempSync(join(tmpdir(), "steward-bench-schedules-"));
const SOURCE = gitRevision();
let wrangler;
let pollTimeouts = 0; // polls that timed out while the runtime was busy (retried)
await runBench({ stateDir }, async (run) => {
  wrangler = run.track(startWrangler({ config: CONFIG, port, stateDir, bundle: buildOnce({ config: CONFIG, stateDir }), vars: access.vars }));
  await waitReady(wrangler);
  const results = await runAll();
  saveResults(HERE, results, printTable);
  if (!results.steward.exactlyOnce || !results.bare.exactlyOnce) process.exitCode = 1;
});

async function runAll() {
  const runId = randomUUID().slice(0, 8);
  const load0 = load1m();
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
  const views = await waitAll(
    users,
    async (agent) => {
      const tasks = await rpc(agent, "listTasks", []);
      return tasks.every((t) => t.history.length > 0 && t.history.every((r) => r.status !== "running")) ? tasks : null;
    },
    due
  );
  const allDoneAt = Date.now();
  const cpuS = round((workerdCpuMs() - cpu0) / 1000, 1);

  // Exactly once: one finished run per task, one notification per task — and still so a little later.
  await sleep(5000);
  const recheck = await waitAll(
    users,
    async (agent) => ({
      tasks: await rpc(agent, "listTasks", []),
      notes: await rpc(agent, "listNotifications", [{ unreadOnly: false, limit: 200 }])
    }),
    Date.now()
  );
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
  const fired = await waitAll(
    bareUsers,
    async (agent) => {
      const rows = await rpc(agent, "fired", []);
      return rows.length >= TASKS ? rows : null;
    },
    bareDue,
    (name) => `/agents/bare-scheduler/${name}`
  );
  const bareRows = fired.flat();
  const bareProblems = fired.filter((rows) => rows.length !== TASKS).map((rows) => `${rows.length} callbacks`);

  return {
    at: new Date().toISOString(),
    source: SOURCE,
    machine: machine(load0),
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
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) await fn(item);
    })
  );
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

/** Workerd CPU, or NaN when the runtime can't be told apart (the figure is informative only). */
function workerdCpuMs() {
  try {
    return cpuOf(wrangler);
  } catch {
    return NaN;
  }
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

/** Lateness figures in whole ms (p50, p95, max); NaN when there were none. */
function stats(values) {
  const { n, p50, p95, max } = statsOf(values, 0);
  return { n, p50, p95, max };
}
