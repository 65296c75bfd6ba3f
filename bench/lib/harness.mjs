// What every bench's run shares: cleanup on exit, the failure report, the
// machine and source it ran on, and where its results go.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { basename, join } from "node:path";
import { round } from "./stats.mjs";
import { ROOT } from "./wrangler.mjs";

/**
 * Runs `body(run)`; `run.track(wrangler)` registers the `wrangler dev` it
 * starts. Ctrl-C and SIGTERM end the process; on exit wrangler's group is
 * killed and `stateDir` removed. A failure prints wrangler's log tail and sets
 * exit status 1; `cleanup` runs after wrangler stops either way.
 */
export async function runBench({ stateDir, cleanup }, body) {
  let wrangler;
  const run = { track: (handle) => (wrangler = handle) };
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  process.on("exit", () => {
    wrangler?.kill("SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  });
  try {
    await body(run);
  } catch (error) {
    console.error(`bench failed: ${error?.stack ?? error}`);
    if (wrangler) console.error(`--- wrangler log (tail) ---\n${wrangler.tail()}`);
    process.exitCode = 1;
  } finally {
    await wrangler?.stop();
    await cleanup?.();
  }
}

/** Writes `results` to <benchDir>/last-run.json (ignored by git) and says so after the table. */
export function saveResults(benchDir, results, print) {
  writeFileSync(join(benchDir, "last-run.json"), JSON.stringify(results, null, 2) + "\n");
  print(results);
  console.log(`\nwrote bench/${basename(benchDir)}/last-run.json`);
}

/** The machine, with the 1-minute load average at the start (`load0`) and now. */
export function machine(load0) {
  return { cpus: cpus().length, cpu: cpus()[0]?.model ?? "", node: process.version, loadavg1m: { start: load0, end: round(loadavg()[0], 2) } };
}

export function load1m() {
  return round(loadavg()[0], 2);
}

/** The commit measured, "-dirty" when the working tree had uncommitted changes. */
export function gitRevision() {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty", "--exclude=*"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
