import { extensionToolFact } from "../shared/tool-facts";
import type { DynamicFacts } from "../shared/tool-facts";
import type { ExtensionFileView, ExtensionState, ExtensionView } from "../shared/extension-views";
import { sha256Hex } from "../util/digest";
import { extensionToolName, parseManifest, reachOf } from "./manifest";
import type { ExtensionManifest, ExtensionToolSpec } from "./manifest";
import type { BundledExtension } from "./bundled";

/** Where the agent may write its own extensions (one folder each: manifest.json + extension.js). */
export const USER_EXTENSIONS_ROOT = "/workspace/.agents/extensions";
const MAX_FILES = 20;
const MAX_BYTES = 256 * 1024;

/** The part of the workspace filesystem the registry reads. */
export interface ExtensionFs {
  readdir(path: string): Promise<Array<{ name: string; isFile: boolean; isDirectory: boolean }>>;
  readFile(path: string, encoding: "utf8"): Promise<string>;
}

/** An extension that may run: enabled, valid, and (for a written one) exactly the files the owner approved. */
export interface ActiveExtension {
  manifest: ExtensionManifest;
  code: string;
  digest: string;
  source: "bundled" | "workspace";
}

/** A tool sessions are offered, with its gate facts (shared with the Conversation each turn). */
export interface DynamicToolView {
  name: string;
  description: string;
  inputSchema: ExtensionToolSpec["inputSchema"];
  /** The MCP server (connection id) whose results this tool returns: the model sees them fenced as untrusted. */
  mcpServer?: string;
}

interface Scanned {
  name: string;
  source: "bundled" | "workspace";
  folder: string | null;
  files: ExtensionFileView[];
  digest: string;
  manifest: ExtensionManifest | null;
  code: string | null;
  problem: string | null;
}

/**
 * The user's extensions: the bundled ones and those in the workspace, and
 * the owner's decisions about them (table steward_extension_decision). A
 * written extension runs only while the digest of ALL its files equals the
 * digest the owner enabled; any change turns it off until approved again.
 * Nothing here is reachable by the model: enabling is an owner-only
 * `@callable` (the web app), never a tool or a command.
 */
export class ExtensionRegistry {
  #cache?: { key: string; scanned: Scanned[] };

  constructor(
    private readonly sql: SqlStorage,
    private readonly fs: ExtensionFs,
    private readonly bundled: () => BundledExtension[]
  ) {}

  /** Every extension with its state, for Settings → Extensions. `key` changes whenever the workspace may have. */
  async views(key: string): Promise<ExtensionView[]> {
    const decisions = this.decisions();
    return (await this.scan(key)).map((s) => view(s, stateOf(s, decisions.get(s.name))));
  }

  /** What may run now. */
  async active(key: string): Promise<ActiveExtension[]> {
    const decisions = this.decisions();
    return (await this.scan(key)).flatMap((s) =>
      stateOf(s, decisions.get(s.name)) === "enabled" && s.manifest && s.code !== null
        ? [{ manifest: s.manifest, code: s.code, digest: s.digest, source: s.source }]
        : []
    );
  }

  /**
   * The owner enables exactly what they reviewed: `digest` must be the digest
   * of the files as they are now, or nothing changes.
   */
  async enable(key: string, name: string, digest: string): Promise<void> {
    const found = (await this.scan(key)).find((s) => s.name === name);
    if (!found) throw new Error(`no extension named ${JSON.stringify(name)}`);
    if (found.problem) throw new Error(`${name} cannot be enabled: ${found.problem}`);
    if (found.digest !== digest) throw new Error(`${name} changed since you reviewed it; review its files again before enabling`);
    this.decide(name, found.source, digest, true);
  }

  async disable(key: string, name: string): Promise<void> {
    const found = (await this.scan(key)).find((s) => s.name === name);
    if (!found) throw new Error(`no extension named ${JSON.stringify(name)}`);
    this.decide(name, found.source, found.digest, false);
  }

  /** Drops the cached scan (after the owner's decision, or a file change the caller knows of). */
  forget(): void {
    this.#cache = undefined;
  }

  private decide(name: string, source: string, digest: string, enabled: boolean): void {
    this.sql.exec(
      `INSERT INTO steward_extension_decision (name, source, digest, enabled, decided_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET source = excluded.source, digest = excluded.digest, enabled = excluded.enabled, decided_at = excluded.decided_at`,
      name,
      source,
      digest,
      enabled ? 1 : 0,
      Date.now()
    );
  }

  private decisions(): Map<string, { source: string; digest: string; enabled: boolean }> {
    const rows = this.sql
      .exec<{ name: string; source: string; digest: string; enabled: number }>(`SELECT name, source, digest, enabled FROM steward_extension_decision`)
      .toArray();
    return new Map(rows.map((r) => [r.name, { source: r.source, digest: r.digest, enabled: r.enabled === 1 }]));
  }

  private async scan(key: string): Promise<Scanned[]> {
    if (this.#cache?.key === key) return this.#cache.scanned;
    const bundled = await Promise.all(this.bundled().map(scanBundled));
    const taken = new Set(bundled.map((b) => b.name));
    const written = await this.scanWorkspace(taken);
    const scanned = [...bundled, ...written];
    this.#cache = { key, scanned };
    return scanned;
  }

  private async scanWorkspace(taken: Set<string>): Promise<Scanned[]> {
    let folders: Array<{ name: string; isDirectory: boolean }>;
    try {
      folders = await this.fs.readdir(USER_EXTENSIONS_ROOT);
    } catch {
      return [];
    }
    const out: Scanned[] = [];
    for (const folder of folders.filter((f) => f.isDirectory).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = `${USER_EXTENSIONS_ROOT}/${folder.name}`;
      const files = await this.readFolder(dir);
      const digest = await digestFiles(files.files);
      const base: Scanned = {
        name: folder.name,
        source: "workspace",
        folder: dir,
        files: files.files,
        digest,
        manifest: null,
        code: null,
        problem: files.problem
      };
      if (taken.has(folder.name)) {
        out.push({ ...base, problem: `"${folder.name}" is the name of a bundled extension; rename the folder and its manifest` });
        continue;
      }
      if (base.problem) {
        out.push(base);
        continue;
      }
      out.push({ ...base, ...loadFiles(folder.name, files.files) });
    }
    return out;
  }

  /** Every file of one extension folder (and its subfolders), by path; too many or too large is a problem. */
  private async readFolder(dir: string): Promise<{ files: ExtensionFileView[]; problem: string | null }> {
    const files: ExtensionFileView[] = [];
    let bytes = 0;
    const walk = async (path: string): Promise<string | null> => {
      const entries = await this.fs.readdir(path);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const child = `${path}/${entry.name}`;
        if (entry.isDirectory) {
          const problem = await walk(child);
          if (problem) return problem;
          continue;
        }
        if (!entry.isFile) continue;
        if (files.length >= MAX_FILES) return `more than ${MAX_FILES} files`;
        const content = await this.fs.readFile(child, "utf8");
        bytes += content.length;
        if (bytes > MAX_BYTES) return `its files are larger than ${MAX_BYTES / 1024} KiB`;
        files.push({ path: child.slice(dir.length + 1), content });
      }
      return null;
    };
    const problem = await walk(dir);
    return { files, problem };
  }
}

/** Tool facts of the active extensions (src/shared/tool-facts.ts), for the gate. */
export function extensionFacts(active: ActiveExtension[]): DynamicFacts {
  const facts: Record<string, ReturnType<typeof extensionToolFact>> = {};
  for (const { manifest } of active) {
    const fact = extensionToolFact(reachOf(manifest));
    for (const tool of manifest.tools) facts[extensionToolName(manifest.name, tool.name)] = fact;
  }
  return facts;
}

export function extensionTools(active: ActiveExtension[]): DynamicToolView[] {
  return active.flatMap(({ manifest }) =>
    manifest.tools.map((tool) => ({
      name: extensionToolName(manifest.name, tool.name),
      description: `[extension ${manifest.name}] ${tool.description}`,
      inputSchema: tool.inputSchema
    }))
  );
}

async function scanBundled(b: BundledExtension): Promise<Scanned> {
  const files = [
    { path: "manifest.json", content: JSON.stringify(b.manifest, null, 2) },
    { path: "extension.js", content: b.code }
  ];
  return { name: b.manifest.name, source: "bundled", folder: null, files, digest: await digestFiles(files), manifest: b.manifest, code: b.code, problem: null };
}

function loadFiles(name: string, files: ExtensionFileView[]): Pick<Scanned, "manifest" | "code" | "problem"> {
  const manifestFile = files.find((f) => f.path === "manifest.json");
  const codeFile = files.find((f) => f.path === "extension.js");
  if (!manifestFile) return { manifest: null, code: null, problem: "no manifest.json" };
  if (!codeFile) return { manifest: null, code: null, problem: "no extension.js" };
  const parsed = parseManifest(manifestFile.content, name);
  if (!parsed.ok) return { manifest: null, code: null, problem: parsed.error };
  return { manifest: parsed.manifest, code: codeFile.content, problem: null };
}

/** One digest over every file's path and content: any change, addition or removal changes it. */
async function digestFiles(files: ExtensionFileView[]): Promise<string> {
  return sha256Hex(JSON.stringify(files.map((f) => [f.path, f.content])));
}

function stateOf(s: Scanned, decision: { digest: string; enabled: boolean } | undefined): ExtensionState {
  if (s.problem || !s.manifest) return "invalid";
  if (s.source === "bundled") return decision && !decision.enabled ? "disabled" : "enabled";
  if (!decision?.enabled) return "disabled";
  return decision.digest === s.digest ? "enabled" : "changed";
}

function view(s: Scanned, state: ExtensionState): ExtensionView {
  const manifest = s.manifest;
  return {
    name: s.name,
    source: s.source,
    folder: s.folder,
    version: manifest?.version ?? "",
    description: manifest?.description ?? "",
    tools: (manifest?.tools ?? []).map((t) => ({ name: t.name, toolName: extensionToolName(s.name, t.name), description: t.description })),
    permissions: manifest ? { network: [...manifest.permissions.network], workspace: manifest.permissions.workspace } : { network: [], workspace: "none" },
    tier: manifest && manifest.permissions.network.length > 0 ? 3 : 1,
    files: s.files,
    digest: s.digest,
    state,
    problem: s.problem
  };
}
