// Tier 4 for bench/ladder: the runner row and the local process sandbox that
// the bench's `wrangler dev` needs for it (run.mjs imports both).
//
// Run on its own (`node bench/ladder/tier4.mjs [--warm 20] [--users 5]`), it
// times the sandbox server directly — a fresh user's first `echo ok` (cold:
// directory, namespaces) and repeats (warm) — beside the same command spawned
// bare with no isolation, the floor any process sandbox pays.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The ladder row: `/sh echo ok` must print ok. Tier 4 defaults to "ask", which would wait for a person. */
export const TIER4_RUNNER = {
  tier: 4,
  name: "container",
  permission: "allow",
  task: () => "/sh echo ok",
  check: (out) => {
    if (!out?.ok || out.stdout !== "ok\n") throw new Error(`sh failed: ${JSON.stringify(out).slice(0, 300)}`);
  }
};

/** Starts scripts/sandbox-server.mjs on a free loopback port with a fresh token. */
export async function startSandboxFixture() {
  const token = randomBytes(24).toString("hex");
  const rootDir = join(tmpdir(), `steward-sandbox-bench-${process.pid}`);
  const child = spawn(process.execPath, [join(ROOT, "scripts", "sandbox-server.mjs")], {
    env: { PATH: process.env.PATH ?? "", SANDBOX_TOKEN: token, PORT: "0", SANDBOX_ROOT: rootDir },
    stdio: ["ignore", "pipe", "inherit"]
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`sandbox server exited (${code}); it needs root for unshare, or bubblewrap`)));
  });
  return {
    url,
    token,
    wranglerVars: ["--var", "SANDBOX_BACKEND:process", "--var", `SANDBOX_URL:${url}`, "--var", `SANDBOX_TOKEN:${token}`],
    async close() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(rootDir, { recursive: true, force: true });
    }
  };
}

async function execOnce(sandbox, user) {
  const started = performance.now();
  const res = await fetch(`${sandbox.url}/exec`, {
    method: "POST",
    headers: { authorization: `Bearer ${sandbox.token}`, "content-type": "application/json" },
    body: JSON.stringify({ user, command: "echo ok", files: [], jobId: `bench-${randomUUID()}` })
  });
  const body = await res.json();
  if (body.stdout !== "ok\n") throw new Error(`unexpected: ${JSON.stringify(body)}`);
  return performance.now() - started;
}

function bareOnce() {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", "echo ok"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.on("close", () => (out === "ok\n" ? resolve(performance.now() - started) : reject(new Error(out))));
  });
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main() {
  const { values } = parseArgs({ options: { warm: { type: "string", default: "20" }, users: { type: "string", default: "5" } } });
  const WARM = Number(values.warm);
  const USERS = Number(values.users);
  const sandbox = await startSandboxFixture();
  try {
    await execOnce(sandbox, "bench-warmup"); // the server's own first-request cost is not a user's
    const cold = [];
    const warm = [];
    const bare = [];
    for (let u = 0; u < USERS; u++) {
      const user = `bench-${randomUUID()}`;
      cold.push(await execOnce(sandbox, user));
      for (let i = 0; i < WARM; i++) warm.push(await execOnce(sandbox, user));
    }
    for (let i = 0; i < USERS * (WARM + 1); i++) bare.push(await bareOnce());
    const row = (name, xs) => `  ${name.padEnd(34)} ${pct(xs, 50).toFixed(1).padStart(8)} ${pct(xs, 95).toFixed(1).padStart(8)}`;
    console.log(`tier 4 local process sandbox, \`echo ok\` (${USERS} users, ${WARM} warm runs each; ms)`);
    console.log(`  ${"".padEnd(34)} ${"p50".padStart(8)} ${"p95".padStart(8)}`);
    console.log(row("sandbox cold (new user)", cold));
    console.log(row("sandbox warm", warm));
    console.log(row("baseline: bare spawn, no isolation", bare));
    console.log(`  warm / bare: ${(pct(warm, 50) / pct(bare, 50)).toFixed(1)}x`);
  } finally {
    await sandbox.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
