#!/usr/bin/env node
// worker-configuration.d.ts is generated from wrangler.jsonc (`npm run types`).
// This regenerates it and fails when the committed file differs (a binding or
// var added without regenerating, or a hand edit), restoring the committed file.
// The flags pin the output: no runtime types (@cloudflare/workers-types has
// them), an empty env file (a developer's .dev.vars must not change the
// types), and the GeneratedEnv name (src/env.d.ts keeps `Env` an alias).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

export const TYPES_FILE = "worker-configuration.d.ts";
export const TYPES_ARGS = [
  "wrangler",
  "types",
  TYPES_FILE,
  "--include-runtime=false",
  "--strict-vars=false",
  "--env-interface",
  "GeneratedEnv",
  "--env-file",
  "/dev/null"
];

const committed = readFileSync(TYPES_FILE, "utf8");
const r = spawnSync("npx", TYPES_ARGS, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
const fresh = readFileSync(TYPES_FILE, "utf8");
if (r.status !== 0) {
  writeFileSync(TYPES_FILE, committed);
  console.error(`check-env-types: wrangler types failed\n${r.stdout}${r.stderr}`);
  process.exit(1);
}
if (fresh !== committed) {
  writeFileSync(TYPES_FILE, committed);
  const a = committed.split("\n");
  const b = fresh.split("\n");
  const line = a.findIndex((l, i) => l !== b[i]);
  console.error(`check-env-types: ${TYPES_FILE} is out of date with wrangler.jsonc (first difference at line ${line + 1}):`);
  console.error(`  committed: ${a[line] ?? "(end)"}\n  generated: ${b[line] ?? "(end)"}`);
  console.error("Run `npm run types` and commit the result.");
  process.exit(1);
}
console.log(`check-env-types: ${TYPES_FILE} matches wrangler.jsonc`);
