// The web app's cost next to a plain `useAgentChat` page (bench/web-app/baseline):
// (1) JS shipped, gzipped, both built by Vite with the same settings;
// (2) time from navigation to an interactive chat box (textarea enabled, chat
//     socket open), median of several cold loads, both pages served by one
//     local `wrangler dev` of Steward. Loopback only; Debian's Chromium.
//
//   npm run bench -- web-app [--loads 7] [--no-load]
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const QUIET_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true" };

const { values: opt } = parseArgs({ options: { loads: { type: "string", default: "7" }, "no-load": { type: "boolean", default: false } } });
const LOADS = Number(opt.loads);
if (!Number.isInteger(LOADS) || LOADS < 1) fail("--loads must be a whole number ≥ 1");
if (Number(process.versions.node.split(".")[0]) < 22) fail("needs Node 22 (wrangler): run it through `npm run bench`");

const { build } = await import("vite");
const work = mkdtempSync(join(tmpdir(), "steward-web-bench-"));
const site = join(work, "site"); // the app at /, the baseline at /baseline/
let wrangler;
process.on("exit", () => {
  killGroup(wrangler, "SIGKILL");
  rmSync(work, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));

try {
  // ── 1. bundles ──────────────────────────────────────────────────────
  await build({ configFile: join(ROOT, "vite.config.ts"), root: ROOT, logLevel: "warn", build: { outDir: site, emptyOutDir: true, sourcemap: false } });
  await build({
    configFile: false,
    root: join(HERE, "baseline"),
    base: "/baseline/",
    logLevel: "warn",
    oxc: { jsx: { runtime: "automatic" } },
    build: {
      outDir: join(site, "baseline"),
      emptyOutDir: true,
      chunkSizeWarningLimit: 2000,
      rolldownOptions: { onwarn: (w, warn) => (w.code === "MODULE_LEVEL_DIRECTIVE" ? undefined : warn(w)) }
    }
  });
  const size = { app: jsSize(join(site, "assets")), baseline: jsSize(join(site, "baseline", "assets")) };

  // ── 2. time to an interactive chat box ──────────────────────────────
  let tti = null;
  if (!opt["no-load"]) tti = await timeToInteractive();

  const results = { at: new Date().toISOString(), size, tti, loads: LOADS };
  writeFileSync(join(HERE, "last-run.json"), JSON.stringify(results, null, 2) + "\n");
  print(results);
  console.log("\nwrote bench/web-app/last-run.json");
} catch (error) {
  console.error(`bench failed: ${error?.stack ?? error}`);
  if (wrangler) console.error(`--- wrangler log (tail) ---\n${wrangler.log.split("\n").slice(-30).join("\n")}`);
  process.exitCode = 1;
} finally {
  await stopGroup(wrangler);
}

/** Raw and gzip (level 9, as servers commonly send) bytes of every .js file in a build's assets. */
function jsSize(dir) {
  let raw = 0;
  let gzip = 0;
  const files = readdirSync(dir).filter((f) => f.endsWith(".js"));
  for (const file of files) {
    const bytes = readFileSync(join(dir, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, raw, gzip };
}

async function timeToInteractive() {
  const { chromium } = await import("playwright-core");
  // wrangler dev of Steward's own Worker, with its assets directory swapped for the bench build.
  const config = join(ROOT, ".wrangler", "bench-web-app.jsonc");
  mkdirSync(dirname(config), { recursive: true });
  const base = JSON.parse(stripJsonComments(readFileSync(join(ROOT, "wrangler.jsonc"), "utf8")));
  base.main = "../src/server.ts";
  base.assets = { ...base.assets, directory: site };
  delete base.$schema;
  writeFileSync(config, JSON.stringify(base, null, 2));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  wrangler = startWrangler(config, port);
  await waitReady(origin);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"] });
  const pages = {
    app: { url: `${origin}/`, ready: () => !!document.querySelector('.status[data-link="open"]') && document.querySelector("#message-input")?.disabled === false },
    baseline: { url: `${origin}/baseline/`, ready: () => document.querySelector('textarea[data-ready="true"]')?.disabled === false }
  };
  const samples = { app: [], baseline: [] };
  try {
    // One warm-up load each (the first request loads the Worker and the user's agent).
    for (const side of ["app", "baseline"]) await load(browser, pages[side]);
    for (let i = 0; i < LOADS; i++) {
      const order = i % 2 === 0 ? ["app", "baseline"] : ["baseline", "app"];
      for (const side of order) samples[side].push(await load(browser, pages[side]));
    }
  } finally {
    await browser.close();
  }
  const summary = (list) => ({ medianMs: median(list), minMs: Math.min(...list), maxMs: Math.max(...list), samples: list });
  return { app: summary(samples.app), baseline: summary(samples.baseline) };
}

/** One cold load (a fresh context: empty cache) → ms from navigation start until `ready()` holds. */
async function load(browser, { url, ready }) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: "commit" });
    const handle = await page.waitForFunction(`(${ready.toString()})() ? performance.now() : false`, null, { polling: "raf", timeout: 30_000 });
    return Math.round(await handle.jsonValue());
  } finally {
    await context.close();
  }
}

function print({ size, tti }) {
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  const row = (cells) => console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 40 : 20)).join(""));
  console.log("");
  row(["", "Steward app", "useAgentChat page", "ratio"]);
  row(["JS, gzip -9", kb(size.app.gzip), kb(size.baseline.gzip), `${(size.app.gzip / size.baseline.gzip).toFixed(2)}×`]);
  row(["JS, minified", kb(size.app.raw), kb(size.baseline.raw), `${(size.app.raw / size.baseline.raw).toFixed(2)}×`]);
  if (tti) {
    row([`to interactive chat box, median of ${tti.app.samples.length}`, `${tti.app.medianMs} ms`, `${tti.baseline.medianMs} ms`, `${(tti.app.medianMs / tti.baseline.medianMs).toFixed(2)}×`]);
    row(["  min – max", `${tti.app.minMs}–${tti.app.maxMs} ms`, `${tti.baseline.minMs}–${tti.baseline.maxMs} ms`, ""]);
  }
}

function startWrangler(config, port) {
  const child = spawn(
    process.execPath,
    [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "dev", "-c", config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0", "--persist-to", join(work, "state"), "--var", "DEV_USER:bench", "--show-interactive-dev-session=false"],
    { cwd: ROOT, env: QUIET_ENV, detached: true, stdio: ["ignore", "pipe", "pipe"] }
  );
  const handle = { child, log: "" };
  child.stdout.on("data", (d) => (handle.log += d));
  child.stderr.on("data", (d) => (handle.log += d));
  return handle;
}

async function waitReady(origin) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (wrangler.child.exitCode !== null) throw new Error("wrangler dev exited before it was ready");
    try {
      const res = await fetch(`${origin}/api/me`, { signal: AbortSignal.timeout(20_000) });
      if (res.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error("wrangler dev was not ready within 120 s");
}

function killGroup(handle, signal) {
  if (!handle?.child.pid) return;
  try {
    process.kill(-handle.child.pid, signal);
  } catch {
    // gone
  }
}

async function stopGroup(handle) {
  if (!handle || handle.child.exitCode !== null) return;
  const exited = new Promise((r) => handle.child.once("exit", r));
  killGroup(handle, "SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  killGroup(handle, "SIGKILL");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// wrangler.jsonc → JSON: drops line and block comments outside strings, and trailing commas.
function stripJsonComments(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      let j = end;
      while (text[j - 1] === "\\") j = text.indexOf('"', j + 1);
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i) - 1;
      if (i < 0) break;
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i) + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

function fail(message) {
  console.error(message);
  process.exit(2);
}
