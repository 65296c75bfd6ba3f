// npm run bench [-- <name>] [bench options]: runs bench/<name>/run.mjs, or every
// bench in turn when no name is given. Options after the name go to the bench.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "bench");
const all = readdirSync(benchDir)
  .filter((name) => existsSync(join(benchDir, name, "run.mjs")))
  .sort();
const [first, ...rest] = process.argv.slice(2);
const named = first !== undefined && !first.startsWith("-");
const names = named ? [first] : all;
const args = named ? rest : process.argv.slice(2);

if (named && !all.includes(first)) {
  console.error(`unknown bench "${first}"; known: ${all.join(", ") || "(none)"}`);
  process.exit(2);
}
let failed = 0;
for (const name of names) {
  console.log(`\n=== bench/${name} ===`);
  const { status, signal } = spawnSync(process.execPath, [join(benchDir, name, "run.mjs"), ...args], { stdio: "inherit" });
  if (status !== 0) {
    console.error(`bench/${name} failed (${signal ?? `exit ${status}`})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
