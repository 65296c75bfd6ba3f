#!/usr/bin/env node
// Bundles the Worker exactly as `wrangler deploy` would (without uploading)
// and prints its gzipped size against the Workers Paid limit. CI runs it; it
// needs no Docker (--containers-rollout=none: the container image is not built).
//
//   node scripts/bundle-size.mjs            (builds the web app first when dist/client is missing)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Workers Paid: the compressed Worker may be at most 10 MB (Free: 3 MB). */
const PAID_LIMIT = 10 * 1024 * 1024;
const FREE_LIMIT = 3 * 1024 * 1024;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout}\n${r.stderr}`);
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status})`);
  }
}

function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(dir, f)).isFile() && !f.endsWith(".map") && !f.endsWith("README.md"));
}

if (!existsSync("dist/client")) run("npx", ["vite", "build"]);
const out = mkdtempSync(join(tmpdir(), "steward-bundle-"));
try {
  run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--containers-rollout=none"]);
  let raw = 0;
  let gz = 0;
  for (const f of files(out)) {
    const bytes = readFileSync(join(out, f));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;
  const share = ((gz / PAID_LIMIT) * 100).toFixed(0);
  console.log(
    `Worker bundle: ${mb(raw)} uncompressed, ${mb(gz)} gzipped — ${share}% of the Workers Paid limit (10 MB)${gz > FREE_LIMIT ? "; over the Free plan's 3 MB" : ""}`
  );
  if (gz > PAID_LIMIT) {
    console.error("bundle-size: over the Workers Paid limit; the deploy would be refused");
    process.exit(1);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
