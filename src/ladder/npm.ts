import { WorkerJavaScriptBackend } from "@cloudflare/computer/backends/worker-javascript";
import { sha256Hex } from "../util/digest";
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from "./isolate";
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

// `import x from "p"`, `import "p"`, `export … from "p"`, `import("p")`.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g;

/** Bare specifiers the code imports from packages (not node:, cloudflare:, relative or absolute paths). */
export function packageSpecifiers(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(SPECIFIER)) {
    const specifier = match[3] ?? "";
    if (isPackageSpecifier(specifier)) found.add(specifier);
  }
  return [...found].sort();
}

function isPackageSpecifier(specifier: string): boolean {
  return !/^(\.|\/|node:|cloudflare:|ws:|[a-z]+:\/\/)/.test(specifier);
}

/** "zod/v4" → "zod"; "@scope/pkg/sub" → "@scope/pkg". */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

const NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
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
  const specifiers = packageSpecifiers(code);
  const names = [...new Set(specifiers.map(packageName))].sort();
  for (const name of names) {
    if (!NAME.test(name)) throw new Error(`"${name}" is not a valid npm package name.`);
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

/** Point each package import at its cached bundle; everything else in the code is left alone. */
export function rewriteImports(code: string, key: string): string {
  return code.replace(SPECIFIER, (whole, lead: string, quote: string, specifier: string) =>
    isPackageSpecifier(specifier) ? `${lead}${quote}${bundlePath(key, specifier)}${quote}` : whole
  );
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

/** What the Assistant hands back to a conversation: a bundle, or why there is none. */
export type NpmBundleOutcome = { manifest: BundleManifest; cached: boolean } | { error: string };

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
export async function ensureBundle(
  deps: DependencySet,
  registry: string,
  store: BundleStore
): Promise<{ manifest: BundleManifest; cached: boolean }> {
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
