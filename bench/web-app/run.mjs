// The web app's cost next to a plain `useAgentChat` page (bench/web-app/baseline):
// (1) JS shipped, gzipped, both built by Vite with the same settings;
// (2) time from navigation to an interactive chat box (textarea enabled, chat
//     socket open), median of several cold loads, both pages served by one
//     local `wrangler dev` of Steward. Loopback only; Debian's Chromium.
//
//   npm run bench -- web-app [--loads 7] [--no-load]
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { fail, requireNode22 } from "../lib/cli.mjs";
import { runBench, saveResults } from "../lib/harness.mjs";
import { freePortPair } from "../lib/ports.mjs";
import { ROOT, startWrangler, waitReady } from "../lib/wrangler.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const { values: opt } = parseArgs({ options: { loads: { type: "string", default: "7" }, "no-load": { type: "boolean", default: false } } });
const LOADS = Number(opt.loads);
if (!Number.isInteger(LOADS) || LOADS < 1) fail("--loads must be a whole number ≥ 1");
requireNode22("wrangler");

const { build } = await import("vite");
const work = mkdtempSync(join(tmpdir(), "steward-web-bench-"));
const site = join(work, "site"); // the app at /, the baseline at /baseline/
await runBench({ stateDir: work }, async (run) => {
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
  if (!opt["no-load"]) tti = await timeToInteractive(run);

  saveResults(HERE, { at: new Date().toISOString(), size, tti, loads: LOADS }, print);
});

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

async function timeToInteractive(run) {
  const { chromium } = await import("playwright-core");
  // wrangler dev of Steward's own Worker, with its assets directory swapped for the bench build.
  const config = join(ROOT, ".wrangler", "bench-web-app.jsonc");
  mkdirSync(dirname(config), { recursive: true });
  const base = JSON.parse(stripJsonComments(readFileSync(join(ROOT, "wrangler.jsonc"), "utf8")));
  base.main = "../src/server.ts";
  base.assets = { ...base.assets, directory: site };
  // The copy lives in .wrangler/: relative container images resolve one level up (./Dockerfile → ../Dockerfile).
  base.containers = base.containers?.map((c) => (c.image?.startsWith("./") ? { ...c, image: `.${c.image}` } : c));
  delete base.$schema;
  writeFileSync(config, JSON.stringify(base, null, 2));
  const port = await freePortPair();
  const origin = `http://127.0.0.1:${port}`;
  // DEV_USER signs every request in as "bench", so readiness is a 2xx from /api/me.
  const wrangler = run.track(startWrangler({ config, port, stateDir: work, vars: { DEV_USER: "bench" } }));
  await waitReady(wrangler, { timeoutMs: 120_000, ready: (status) => status >= 200 && status < 300 });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"] });
  const pages = {
    app: {
      url: `${origin}/`,
      ready: () => !!document.querySelector('.status[data-link="open"]') && document.querySelector("#message-input")?.disabled === false
    },
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
    row([
      `to interactive chat box, median of ${tti.app.samples.length}`,
      `${tti.app.medianMs} ms`,
      `${tti.baseline.medianMs} ms`,
      `${(tti.app.medianMs / tti.baseline.medianMs).toFixed(2)}×`
    ]);
    row(["  min – max", `${tti.app.minMs}–${tti.app.maxMs} ms`, `${tti.baseline.minMs}–${tti.baseline.maxMs} ms`, ""]);
  }
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
