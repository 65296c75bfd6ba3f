#!/usr/bin/env node
// npm run deploy [-- <check-config flags> [-- <wrangler deploy flags>]]
// Runs the preflight first and uploads nothing when it finds a problem; then
// builds the web app and deploys. With SANDBOX_BACKEND=off (tier 4 off, e.g.
// no Docker here) it deploys a generated config without "containers", so no
// image is built; the Sandbox class stays exported (its migration keeps it).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseJsonc } from "./check-config.mjs";

const args = process.argv.slice(2);
const split = args.indexOf("--");
const checkArgs = split >= 0 ? args.slice(0, split) : args;
const wranglerArgs = split >= 0 ? args.slice(split + 1) : [];

function run(cmd, list) {
  const r = spawnSync(cmd, list, { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run("node", ["scripts/check-config.mjs", ...checkArgs]);
run("npx", ["vite", "build"]);
if ((process.env.SANDBOX_BACKEND ?? "").trim() === "off") {
  // Next to wrangler.jsonc so its relative paths (main, assets, rules) still resolve.
  const generated = "wrangler.no-containers.json";
  const config = parseJsonc(readFileSync("wrangler.jsonc", "utf8"));
  delete config.containers;
  config.vars = { ...config.vars, SANDBOX_BACKEND: "off" };
  writeFileSync(generated, `${JSON.stringify(config, null, 2)}\n`);
  try {
    run("npx", ["wrangler", "deploy", "-c", generated, ...wranglerArgs]);
  } finally {
    rmSync(generated, { force: true });
  }
} else {
  run("npx", ["wrangler", "deploy", ...wranglerArgs]);
}
