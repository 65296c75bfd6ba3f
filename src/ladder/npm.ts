import { WorkerJavaScriptBackend } from "@cloudflare/computer/backends/worker-javascript";
import { sha256Hex } from "../util/digest";
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, toModule } from "./isolate";
import { errorText } from "../shared/error-text";

/**
 * Tier 2: tier 1 plus packages from an npm registry. Packages are fetched and
 * bundled (esbuild, via @cloudflare/worker-bundler) in the user's Assistant,
 * one ES module per imported specifier, and cached in the workspace by the
 * digest of the dependency set. The model's code then runs on a tier 1-style
 * backend that imports those files: same time limit, same workspace access,
 * still no network at run time (globalOutbound: null).
 */
export const NPM_BACKEND = "npm";
export const DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org";
export const NPM_CACHE_ROOT = "/workspace/.cache/npm";
/** Bundled packages can be large; tier 1 keeps the default 1 MiB. */
const MAX_GRAPH_BYTES = 16 * 1024 * 1024;
const MAX_PACKAGES = 16;

export function npmBackend(loader: WorkerLoader): WorkerJavaScriptBackend {
  return new WorkerJavaScriptBackend({
    id: NPM_BACKEND,
    loader,
    access: "read-write",
    globalOutbound: null,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
    maxTimeoutMs: MAX_TIMEOUT_MS,
    maxSourceBytes: MAX_GRAPH_BYTES
  });
}

/** The registry packages come from: NPM_REGISTRY_URL, else the public registry. */
export function registryUrl(env: { NPM_REGISTRY_URL?: string }): string {
  const raw = env.NPM_REGISTRY_URL?.trim() || DEFAULT_NPM_REGISTRY;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`NPM_REGISTRY_URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`NPM_REGISTRY_URL must be http(s): ${raw}`);
  return raw.replace(/\/+$/, "");
}

/** Same ceiling as tier 1's code: the scan below parses the model's code in the user's Assistant. */
const MAX_CODE_BYTES = 64 * 1024;

/**
 * Node's built-in modules by bare name. `fs` or `path` written without `node:`
 * means the built-in, never the npm package of that name, so these are left
 * to the runtime exactly like their `node:` form (it maps the ones it offers).
 */
const NODE_BUILTINS = new Set([
  "assert",
  "async_hooks",
  "buffer",
  "child_process",
  "cluster",
  "console",
  "constants",
  "crypto",
  "dgram",
  "diagnostics_channel",
  "dns",
  "domain",
  "events",
  "fs",
  "http",
  "http2",
  "https",
  "inspector",
  "module",
  "net",
  "os",
  "path",
  "perf_hooks",
  "process",
  "punycode",
  "querystring",
  "readline",
  "repl",
  "stream",
  "string_decoder",
  "sys",
  "timers",
  "tls",
  "trace_events",
  "tty",
  "url",
  "util",
  "v8",
  "vm",
  "wasi",
  "worker_threads",
  "zlib"
]);

/** Bare specifiers the code imports from packages (not node:, cloudflare:, built-ins, relative or absolute paths). */
export function isPackageSpecifier(specifier: string): boolean {
  if (/^(\.|\/|node:|cloudflare:|ws:|[a-z][a-z0-9+.-]*:)/i.test(specifier)) return false;
  return !NODE_BUILTINS.has(specifier.split("/")[0] ?? specifier);
}

/** The part of esbuild's plugin API the scan uses (the bundler types plugins as `unknown`). */
interface ResolveArgs {
  path: string;
  kind: string;
}
interface ScanPluginBuild {
  onResolve(options: { filter: RegExp }, callback: (args: ResolveArgs) => { path: string; external: true } | undefined): void;
}

interface Scan {
  /** Package specifiers the code imports (static, dynamic or re-exported), sorted. */
  specifiers: string[];
  /** The code as one ES module, each package import pointing where `target` says. */
  module: string;
}

/**
 * Asks esbuild (the bundler tier 2 uses anyway) what the code imports: it
 * parses the code, so a specifier in a comment or a string is not an import,
 * and `import()` with a literal is. Every import is kept external; package
 * imports are renamed to `target(specifier)`, everything else is left as
 * written for the runtime (node:fs/promises, built-ins, its own refusals).
 * `require()` is refused: the code runs as an ES module where `require` does
 * not exist, and esbuild would turn it into a call that throws at run time.
 */
async function scanImports(code: string, target: (specifier: string) => string = (s) => s): Promise<Scan> {
  if (new TextEncoder().encode(code).length > MAX_CODE_BYTES) {
    throw new Error(`The code is larger than ${MAX_CODE_BYTES / 1024} KiB; write it to a workspace file in parts instead.`);
  }
  const found = new Set<string>();
  const required = new Set<string>();
  const plugin = {
    name: "steward-imports",
    setup(build: ScanPluginBuild) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        if (args.kind === "require-call" || args.kind === "require-resolve") required.add(args.path);
        if (!isPackageSpecifier(args.path)) return { path: args.path, external: true };
        found.add(args.path);
        return { path: target(args.path), external: true };
      });
    }
  };
  // Loaded on demand: esbuild's WebAssembly stays out of turns that never use tier 2.
  const bundler = await import("@cloudflare/worker-bundler");
  let output: string;
  try {
    const result = await bundler.createWorker({
      files: { "code.js": toModule(code) },
      entryPoint: "code.js",
      minify: false,
      __dangerouslyUseEsBuildPluginsDoNotUseOrYouWillBeFired: [plugin]
    });
    const main = result.modules[result.mainModule];
    if (typeof main !== "string") throw new Error("the bundler returned no JavaScript module");
    output = main;
  } catch (error) {
    throw new Error(`The code is not valid JavaScript, so its imports could not be read:\n${errorText(error).split("\n").slice(0, 6).join("\n")}`);
  }
  if (required.size > 0) {
    const names = [...required].map((s) => JSON.stringify(s)).join(", ");
    throw new Error(
      `Tier 2 code is an ES module, so require(${names}) cannot load anything. Use \`import x from "name"\` at the top, or \`const x = await import("name")\` inside the code; nothing was installed or run.`
    );
  }
  return { specifiers: [...found].sort(), module: defaultExportInline(output) };
}

/**
 * esbuild ends a bundled module with `export { x as default, … }`; the tier 1
 * runner (`toModule`) recognises a module by a literal `export default` and
 * would otherwise wrap this one again. esbuild writes that clause itself, last
 * in the file, so anchoring at the end cannot match text from the model's code.
 */
function defaultExportInline(output: string): string {
  const clause = /\nexport \{\n([^{}]*)\n\};\n*$/.exec(output);
  if (!clause) return output;
  const names = (clause[1] ?? "").split(",\n").map((name) => name.trim());
  const entry = names.find((name) => / as default$/.test(name));
  if (!entry) return output;
  const rest = names.filter((name) => name !== entry);
  const local = entry.slice(0, -" as default".length);
  return `${output.slice(0, clause.index)}\nexport default ${local};\n${rest.length > 0 ? `export { ${rest.join(", ")} };\n` : ""}`;
}

/** Package specifiers the code imports, as esbuild reads them (sorted). */
export async function packageSpecifiers(code: string): Promise<string[]> {
  return (await scanImports(code)).specifiers;
}

/** "zod/v4" → "zod"; "@scope/pkg/sub" → "@scope/pkg". */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

const NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const SUBPATH = /^(\/[A-Za-z0-9._~@+-]+)+$/;
const RANGE = /^[\w.*^~<>=|@ -]{1,64}$/;

export interface DependencySet {
  /** Imported specifiers, sorted. */
  specifiers: string[];
  /** Package name → requested version range, sorted by name. */
  packages: Record<string, string>;
  /** Digest of the sorted `name@range` list plus specifiers: the cache key. */
  key: string;
}

/**
 * What the code needs. `versions` pins ranges (default "latest"); a version
 * for a package the code does not import is an error, so typos surface.
 */
export async function dependencySet(code: string, versions: Record<string, string> = {}): Promise<DependencySet> {
  const specifiers = await packageSpecifiers(code);
  const names = [...new Set(specifiers.map(packageName))].sort();
  for (const name of names) {
    if (!NAME.test(name)) throw new Error(`"${name}" is not a valid npm package name.`);
  }
  for (const specifier of specifiers) {
    // "lodash/fp" is a file of "lodash"; a path that climbs out ("lodash/../x") names no file of it.
    const subpath = specifier.slice(packageName(specifier).length);
    if (subpath !== "" && (!SUBPATH.test(subpath) || /\/\.\.?(\/|$)/.test(subpath))) {
      throw new Error(`"${specifier}" is not a path inside the package "${packageName(specifier)}".`);
    }
  }
  if (names.length > MAX_PACKAGES) throw new Error(`Tier 2 bundles at most ${MAX_PACKAGES} packages per run; the code imports ${names.length}.`);
  for (const [name, range] of Object.entries(versions)) {
    if (!names.includes(name)) throw new Error(`A version was given for "${name}", but the code does not import it.`);
    if (!RANGE.test(range)) throw new Error(`"${range}" is not a version range for "${name}".`);
  }
  const packages = Object.fromEntries(names.map((name) => [name, versions[name] ?? "latest"]));
  const lines = [...names.map((name) => `${name}@${packages[name]}`), "--", ...specifiers].join("\n");
  return { specifiers, packages, key: (await sha256Hex(lines)).slice(0, 32) };
}

/** The workspace file that holds the bundle for one specifier. */
export function bundlePath(key: string, specifier: string): string {
  return `${NPM_CACHE_ROOT}/${key}/${specifier.replace(/[^a-zA-Z0-9._-]/g, "_")}.js`;
}

export function manifestPath(key: string): string {
  return `${NPM_CACHE_ROOT}/${key}/manifest.json`;
}

/**
 * The code as the module tier 2 runs: each package import points at its
 * cached bundle. esbuild writes it out again, so quotes and spacing are its own.
 */
export async function rewriteImports(code: string, key: string): Promise<string> {
  return (await scanImports(code, (specifier) => bundlePath(key, specifier))).module;
}

export interface BundleManifest {
  key: string;
  registry: string;
  packages: Record<string, string>;
  /** Resolved `name@version` of everything installed, dependencies included. */
  installed: string[];
  specifiers: string[];
  bytes: number;
  createdAt: string;
}

/**
 * What the Assistant hands back to a conversation: a bundle and the code as
 * the module to run against it (imports pointing at the bundle), or why there
 * is none.
 */
export type NpmBundleOutcome = { manifest: BundleManifest; cached: boolean; module: string } | { error: string };

/** Minimal file access the bundler needs (the Assistant's workspace fs). */
export interface BundleStore {
  readFile(path: string): Promise<string | null>;
  writeFile(path: string, content: string): Promise<void>;
}

/**
 * Installs and bundles a dependency set, or returns the cached manifest.
 * The manifest is written last, so an interrupted bundle is never read as
 * complete; running it again just redoes the work (same key, same files).
 */
export async function ensureBundle(deps: DependencySet, registry: string, store: BundleStore): Promise<{ manifest: BundleManifest; cached: boolean }> {
  const existing = await store.readFile(manifestPath(deps.key));
  if (existing) {
    const manifest = JSON.parse(existing) as BundleManifest;
    if (manifest.registry === registry) return { manifest, cached: true };
  }
  // Loaded on demand: esbuild's WebAssembly stays out of turns that never use tier 2.
  const bundler = await import("@cloudflare/worker-bundler");
  const fs = new bundler.InMemoryFileSystem({ "package.json": JSON.stringify({ dependencies: deps.packages }) });
  // The installer skips what is already in node_modules, so a second pass
  // retries only what a dropped connection lost; a missing package stays missing.
  const install = await bundler.installDependencies(fs, { registry });
  if (install.warnings.some((w) => /Failed to install/.test(w) && !/ 404 /.test(w))) {
    const again = await bundler.installDependencies(fs, { registry });
    install.installed.push(...again.installed);
    install.warnings = again.warnings;
  }
  const installedNames = new Set(install.installed.map((entry) => entry.slice(0, entry.lastIndexOf("@"))));
  const missing = Object.keys(deps.packages).filter((name) => !installedNames.has(name));
  if (missing.length > 0) {
    const reasons = missing.map((name) => {
      const warning = install.warnings.find((w) => w.includes(`${name}:`) || w.includes(`"${name}"`) || w.includes(`${name}@`));
      return `  ${name}@${deps.packages[name]}: ${warning ?? "not found"}`;
    });
    throw new Error(
      `Could not resolve ${missing.map((n) => `"${n}"`).join(", ")} from the npm registry (${registry}).\n${reasons.join("\n")}\nCheck the package name and version; nothing was run.`
    );
  }
  let bytes = 0;
  for (const specifier of deps.specifiers) {
    fs.write("entry.js", reexport(specifier));
    let source: string;
    try {
      const result = await bundler.createWorker({ files: fs, entryPoint: "entry.js", registry, minify: true });
      const main = result.modules[result.mainModule];
      source = typeof main === "string" ? main : JSON.stringify(main);
      if (typeof main !== "string") throw new Error(`unexpected module type for ${specifier}`);
    } catch (error) {
      const message = errorText(error);
      throw new Error(`Could not bundle "${specifier}": ${message.split("\n").slice(0, 6).join("\n")}`);
    }
    bytes += source.length;
    await store.writeFile(bundlePath(deps.key, specifier), source);
  }
  const manifest: BundleManifest = {
    key: deps.key,
    registry,
    packages: deps.packages,
    installed: [...install.installed].sort(),
    specifiers: deps.specifiers,
    bytes,
    createdAt: new Date().toISOString()
  };
  await store.writeFile(manifestPath(deps.key), JSON.stringify(manifest, null, 2));
  return { manifest, cached: false };
}

/** A module that re-exports everything a specifier offers, default included when it has one. */
function reexport(specifier: string): string {
  const s = JSON.stringify(specifier);
  return `export * from ${s};\nimport * as ns from ${s};\nexport default ("default" in ns ? ns.default : ns);\n`;
}
