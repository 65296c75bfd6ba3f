#!/usr/bin/env node
// Lets the local Browser Run binding (tier 3) drive Debian's Chromium with no
// download. Miniflare launches Chrome from a pinned path in wrangler's cache
// and downloads it when missing (which needs the internet); an executable
// wrapper at that path that runs /usr/bin/chromium stops the download.
//
//   node scripts/setup-chromium.mjs          install the wrapper (idempotent)
//   node scripts/setup-chromium.mjs --check  exit 1 when Chromium is missing
//
// Also importable: `ensureChromium()` returns { ok, message, wrapper }.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Chrome version miniflare pins (its BROWSER_VERSION); the wrapper's directory is named after it. */
export const PINNED_CHROME = "126.0.6478.182";
export const SYSTEM_CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Where miniflare looks: `$XDG_CACHE_HOME/.wrangler`, or `~/.cache/.wrangler` when XDG_CACHE_HOME is unset (Linux). */
export function wrapperPath(env = process.env) {
  const cache = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cache, ".wrangler", "chrome", `linux-${PINNED_CHROME}`, "chrome-linux64", "chrome");
}

export function wrapperScript(chromium = SYSTEM_CHROMIUM) {
  // Root needs --no-sandbox; there is no GPU on a server.
  return `#!/bin/sh\n# Installed by steward scripts/setup-chromium.mjs: Debian's Chromium in place of a downloaded Chrome.\nexec ${chromium} --no-sandbox --disable-gpu "$@"\n`;
}

/** @returns {{ ok: boolean, message: string, wrapper: string }} */
export function ensureChromium() {
  const wrapper = wrapperPath();
  if (process.platform !== "linux") {
    return { ok: false, wrapper, message: "Tier 3 (browser) local setup is Linux-only; elsewhere wrangler downloads Chrome itself." };
  }
  if (!existsSync(SYSTEM_CHROMIUM)) {
    return {
      ok: false,
      wrapper,
      message: `Chromium is not installed (${SYSTEM_CHROMIUM} is missing), so tier 3 (browser) will not work locally.\n  Install it with: sudo apt-get install -y chromium   (or set CHROMIUM_PATH)`
    };
  }
  const script = wrapperScript();
  const current = existsSync(wrapper) ? readFileSync(wrapper, "utf8") : "";
  if (current !== script) {
    mkdirSync(dirname(wrapper), { recursive: true });
    writeFileSync(wrapper, script);
  }
  chmodSync(wrapper, 0o755);
  return { ok: true, wrapper, message: `Tier 3 (browser) uses ${SYSTEM_CHROMIUM} through ${wrapper}` };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = ensureChromium();
  (result.ok ? console.log : console.error)(result.message);
  process.exit(result.ok ? 0 : 1);
}
