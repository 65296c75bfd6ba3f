// The web app's contract with the server: src/web may import server code only
// from src/shared, and src/shared imports nothing outside itself (no Workers
// APIs, no server modules, no packages). Run by `npm test`; exits 1 listing
// every import that breaks the rule.
//
// Why a scanner of our own: TypeScript 7 ships no JavaScript API to walk
// imports with, and a bundler would drop `import type` lines, which are part
// of the contract too. Comments are stripped first, so an import named in a
// comment does not count.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WEB = join(ROOT, "src", "web");
const SHARED = join(ROOT, "src", "shared");

/** Every module specifier in a TypeScript source: static, `import type`, re-exports, side effects, dynamic. */
export function specifiers(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/.*$/gm, "$1");
  const found = [];
  const patterns = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** Problems with one file's imports, or []. `area` is "web" or "shared". */
export function problemsOf(file, source, area) {
  const problems = [];
  for (const spec of specifiers(source)) {
    const relativeSpec = spec.startsWith(".");
    if (area === "shared") {
      if (!relativeSpec || !isInside(resolve(dirname(file), spec), SHARED)) problems.push(`${spec} (src/shared imports only src/shared)`);
      continue;
    }
    if (spec.startsWith("cloudflare:")) problems.push(`${spec} (a Workers runtime module)`);
    else if (relativeSpec) {
      const target = resolve(dirname(file), spec);
      if (!isInside(target, WEB) && !isInside(target, SHARED)) problems.push(`${spec} (server code: move what the app needs to src/shared)`);
    }
  }
  return problems;
}

function isInside(path, folder) {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
}

function sources(folder) {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mts)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The check must catch what it is for: deliberate bad imports are reported, good ones are not. */
function selfTest() {
  const web = join(WEB, "probe.tsx");
  const shared = join(SHARED, "probe.ts");
  const cases = [
    [web, 'import type { Assistant } from "../assistant/assistant";', "web", 1],
    [web, 'export { TIERS } from "../shared/tiers";\nimport { x } from "./x";', "web", 0],
    [web, 'const m = await import("../ladder/audit");', "web", 1],
    [web, 'import { env } from "cloudflare:workers";', "web", 1],
    [web, '// import { a } from "../assistant/assistant";', "web", 0],
    [shared, 'import { z } from "zod";', "shared", 1],
    [shared, 'import type { Tier } from "./tiers";', "shared", 0]
  ];
  for (const [file, source, area, expected] of cases) {
    const got = problemsOf(file, source, area).length;
    if (got !== expected) throw new Error(`self-test: ${JSON.stringify(source)} gave ${got} problem(s), expected ${expected}`);
  }
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  selfTest();
  const bad = [];
  let files = 0;
  for (const [folder, area] of [
    [WEB, "web"],
    [SHARED, "shared"]
  ]) {
    for (const file of sources(folder)) {
      files++;
      for (const problem of problemsOf(file, readFileSync(file, "utf8"), area)) bad.push(`${relative(ROOT, file)}: ${problem}`);
    }
  }
  if (bad.length) {
    console.error(`check-web-imports: ${bad.length} import(s) break the web app's contract:\n  ${bad.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`check-web-imports: ok (${files} files; src/web imports server code only from src/shared)`);
}
