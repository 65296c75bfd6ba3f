#!/usr/bin/env node
// `npm run dev`: build the chat page if it is missing or stale, then run
// `wrangler dev` on http://localhost:8787 as a local dev user. Needs no
// Cloudflare account: the offline command model answers slash commands.
//
//   PORT=9000 npm run dev        another port
//   DEV_USER=alice npm run dev   another dev user (or set DEV_USER in .dev.vars)
//   npm run dev -- --build       rebuild the page even if it looks fresh
//   SANDBOX=off npm run dev      no local tier 4 sandbox
//   SPEECH=off npm run dev       no local speech server (voice calls)
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./setup-chromium.mjs";
import { startSpeechServer } from "./speech-dev.mjs";
import { startLoopbackServer } from "./loopback-server.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(root, "node_modules", ".bin");
const port = process.env.PORT ?? "8787";
const forceBuild = process.argv.includes("--build");

// wrangler needs Node >= 22.12; the `node` devDependency puts one in
// node_modules/.bin, so put that first even when this script runs under Node 20.
const env = {
  ...process.env,
  PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false"
};

if (!existsSync(join(bin, "wrangler"))) {
  console.error("wrangler is not installed: run `npm install` first.");
  process.exit(1);
}

// ── 1. the client ────────────────────────────────────────────────────
const builtPage = join(root, "dist", "client", "index.html");
const clientSources = [
  join(root, "index.html"),
  join(root, "vite.config.ts"),
  join(root, "src", "web"),
  // Server modules the page imports values from (tiers table, file limits).
  join(root, "src", "ladder", "tiers.ts"),
  join(root, "src", "assistant", "files.ts"),
  join(root, "src", "commands", "workspace.ts")
];
if (forceBuild || isStale(builtPage, clientSources)) {
  console.log("Building the chat page (vite build)…");
  const build = spawnSync(join(bin, "vite"), ["build", "--logLevel", "warn"], { cwd: root, env, stdio: "inherit" });
  if (build.status !== 0) {
    console.error(`vite build failed (${build.error?.message ?? `exit ${build.status ?? build.signal}`}).`);
    process.exit(build.status || 1);
  }
} else {
  console.log("Chat page is up to date (dist/client); `npm run dev -- --build` forces a rebuild.");
}

// ── 1b. tier 3: Debian's Chromium behind the local BROWSER binding ───
const chromium = ensureChromium();
if (chromium.ok) console.log(chromium.message);
else console.warn(`\n  ! ${chromium.message.replace(/\n/g, "\n  ")}\n  Everything else works; /browse and /shot will report the missing browser.\n`);
// ── 1b. tier 4: the local process sandbox (scripts/sandbox-server.mjs) ──
const sandbox = process.env.SANDBOX === "off" ? null : await startSandbox();
// ── 1c. voice calls: the local speech server (scripts/speech-server.mjs); SPEECH=off to skip ──
const speech = process.env.SPEECH === "off" ? null : await startSpeechServer();

// ── 2. the Worker ────────────────────────────────────────────────────
const args = ["dev", "--port", port, "--show-interactive-dev-session=false"];
if (sandbox) args.push("--var", "SANDBOX_BACKEND:process", "--var", `SANDBOX_URL:${sandbox.url}`, "--var", `SANDBOX_TOKEN:${sandbox.token}`);
if (speech) args.push(...speech.vars);
const devUser = process.env.DEV_USER ?? (devVarsHas("DEV_USER") ? undefined : "you");
if (devUser !== undefined) args.push("--var", `DEV_USER:${devUser}`);

// Its own process group: wrangler starts workerd (and more) under it, and we
// stop them all together.
const child = spawn(join(bin, "wrangler"), args, { cwd: root, env, stdio: ["ignore", "inherit", "inherit"], detached: true });

let stopping = false;
const url = `http://localhost:${port}`;
console.log(`Starting Steward on ${url} (${devUser !== undefined ? `dev user "${devUser}"` : "DEV_USER from .dev.vars"})…`);
void announceWhenReady();

/** @param {NodeJS.Signals} signal */
function stop(signal) {
  if (!child.pid) return;
  // A second Ctrl-C means "now".
  const sig = stopping ? "SIGKILL" : signal;
  stopping = true;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // the group is already gone
  }
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGHUP", () => stop("SIGTERM"));
process.on("exit", () => {
  if (speech?.child.pid) {
    try {
      process.kill(speech.child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (sandbox?.child.pid) {
    try {
      process.kill(sandbox.child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (child.exitCode === null && child.signalCode === null && child.pid) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

child.on("error", (error) => {
  console.error(`Could not start wrangler: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  // Whatever wrangler left in its group goes with it.
  try {
    process.kill(-(child.pid ?? 0), "SIGTERM");
  } catch {
    // nothing left
  }
  process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
});

async function announceWhenReady() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null && !stopping) {
    try {
      const response = await fetch(`${url}/api/me`, { signal: AbortSignal.timeout(20_000) });
      if (response.status < 500) {
        console.log(`\n  Steward is ready: ${url}\n`);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * True when `target` is missing or older than any file under `sources`.
 * @param {string} target
 * @param {string[]} sources
 */
function isStale(target, sources) {
  if (!existsSync(target)) return true;
  const built = statSync(target).mtimeMs;
  return sources.some((source) => newestMtime(source) > built);
}

/** @param {string} path @returns {number} */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Whether .dev.vars sets `name` (even to empty: that is a choice too).
 * @param {string} name
 */
function devVarsHas(name) {
  const file = join(root, ".dev.vars");
  if (!existsSync(file)) return false;
  const pattern = new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=`, "m");
  return pattern.test(readFileSync(file, "utf8"));
}

/**
 * Starts the local tier 4 sandbox on a free loopback port with a fresh token.
 * It needs bubblewrap (`bwrap`); without it, tier 4 is reported unavailable
 * and everything else still runs.
 * @returns {Promise<{ url: string, token: string, child: import("node:child_process").ChildProcess } | null>}
 */
async function startSandbox() {
  if (spawnSync("sh", ["-c", "command -v bwrap"]).status !== 0) {
    console.warn(
      "Tier 4 (container) is unavailable locally: bubblewrap (bwrap) is not installed, and the local sandbox isolates every command with it.\n" +
        "Install it (Debian/Ubuntu: apt-get install bubblewrap) and restart; everything else runs without it."
    );
    return null;
  }
  const token = randomBytes(24).toString("hex");
  const env = { PATH: process.env.PATH ?? "", SANDBOX_TOKEN: token, PORT: process.env.SANDBOX_PORT ?? "0" };
  const { url, child: sandboxChild, errors } = await startLoopbackServer("sandbox-server.mjs", env);
  if (!url) {
    console.warn(`Tier 4 (container) is unavailable locally: the process sandbox did not start.\n${errors().trim()}`);
    sandboxChild.kill("SIGKILL");
    return null;
  }
  console.log(`Tier 4 sandbox: ${url} (commands run with no network; SANDBOX=off to skip)`);
  return { url, token, child: sandboxChild };
}
