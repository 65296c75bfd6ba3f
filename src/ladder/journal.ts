import type { Workspace, WorkspaceModuleBackend, WorkspaceModuleBackendHandle, WorkspaceModuleBackendHost } from "@cloudflare/computer";
import { AuditLog } from "./audit";
import { tierOfTool } from "../shared/tool-facts";
import { errorText } from "../shared/error-text";
import { concatBytes } from "../shared/bytes";

/**
 * The tool-call journal: exactly once, across crashes, for the tools whose
 * effects stay in the workspace (tier 0 write/edit/delete, tier 1 run_code,
 * tier 2 run_npm). See "The tool-call journal" in src/ladder/AGENTS.md.
 *
 * A journaled execution writes through a `JournaledFs`: before a path is
 * first changed, its previous state (absent, file bytes + mode, directory,
 * symlink) is saved in `steward_journal_undo`, synchronously, in the same
 * SQLite the workspace lives in. When the tool returns, ONE transaction
 * records its result and drops the undo images: from then on its effects and
 * its result stand together. An execution a crash cut off has no result and
 * still has its undo images; the Assistant's constructor restores them (one
 * transaction per execution, before any request or alarm can read the
 * workspace), so it left no change and may run again. An identical call in
 * the same turn finds the committed row and gets its result instead of
 * running twice.
 */

/** What a conversation sends for one journaled tool call (built by journal-call.ts). */
export interface JournalCall {
  /** Idempotency key: session, turn, tool, input, and how many identical calls the model has seen results for. */
  key: string;
  session: string;
  /** The user message that opened the turn. */
  turn: string;
  toolCallId: string;
  tool: string;
  input: unknown;
  inputDigest: string;
}

export interface JournalOutcome {
  result: unknown;
  /** The result is the record of an earlier execution of the same call, which was not run again. */
  reconciled: boolean;
}

type Fs = Workspace["fs"];
type Provider = ReturnType<Workspace["provider"]>;

type JournalStatus = "running" | "committed" | "rolled_back";

type JournalRow = {
  id: number;
  key: string;
  session: string;
  turn: string;
  tool_call_id: string;
  tool: string;
  input_digest: string;
  status: JournalStatus;
  result: string | null;
  audited: number;
  created_at: number;
};

type UndoKind = "absent" | "file" | "dir" | "symlink";

/**
 * Test seam (like `modelOverride`): hold an execution of the named tool
 * forever just before (or after) its commit, so a test can kill the runtime
 * in that window. `held` lists the tools holding; tests poll it.
 */
export const journalTestHooks: { holdBeforeCommit: string | null; holdAfterCommit: string | null; held: string[] } = {
  holdBeforeCommit: null,
  holdAfterCommit: null,
  held: []
};

export const INTERRUPTED_NOTHING_APPLIED =
  "Interrupted by a restart before it finished: no changes were applied (its partial changes were rolled back). It is safe to run it again.";
export const INTERRUPTED_APPLIED_ONCE =
  "Interrupted by a restart after it finished, before its result reached you: its changes were applied once. Do not redo them; calling it again with the same input returns this recorded result without running it twice.";

/** Large pre-images are stored in parts: a Durable Object SQLite value is limited to 2 MB. */
const UNDO_PART_BYTES = 1024 * 1024;

export interface JournalHost {
  sql: SqlStorage;
  workspace: Workspace;
  /**
   * The Durable Object's own `transactionSync`. Not the workspace's `db`
   * helper: nested inside it, the workspace's writes would issue SAVEPOINT
   * statements, which Durable Object SQL refuses.
   */
  transact<T>(fn: () => T): T;
}

export class ToolJournal {
  /** Executions running in this isolate, by key: an identical call joins them. */
  readonly #live = new Map<string, Promise<unknown>>();
  /** The journaled file system of each running execution, by runtime execution id (journaledBackends). */
  readonly #byExecution = new Map<string, Fs>();

  constructor(private readonly host: JournalHost) {}

  private get provider(): Provider {
    return this.host.workspace.provider();
  }

  /** The file system a backend execution must write through, if it belongs to a journaled call. */
  fsForExecution(executionId: string): Fs | undefined {
    return this.#byExecution.get(executionId);
  }

  /**
   * Runs `execute` once for `call.key`. A committed earlier execution of the
   * same key is returned as it was recorded (reconciled); one still running
   * here is joined.
   */
  async run(call: JournalCall, execute: (ctx: { fs: Fs; executionId: string }) => Promise<unknown>): Promise<JournalOutcome> {
    const earlier = this.latest(call.key);
    const live = this.#live.get(call.key);
    if (earlier?.status === "running") {
      if (live) await live.catch(() => undefined);
      else this.rollBack(earlier); // unreachable after the constructor's recovery; never leave one behind
    }
    const settled = this.latest(call.key);
    if (settled?.status === "committed") {
      // A call joined while running here is audited by its own afterToolCall; one from before a restart never was.
      if (!live && settled.tool_call_id !== call.toolCallId) this.auditAppliedOnce(settled);
      return { result: parseResult(settled.result), reconciled: true };
    }

    const now = Date.now();
    const id = Number(
      this.host.sql
        .exec<{ id: number }>(
          `INSERT INTO steward_journal (key, session, turn, tool_call_id, tool, input_digest, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?) RETURNING id`,
          call.key,
          call.session,
          call.turn,
          call.toolCallId,
          call.tool,
          call.inputDigest,
          now,
          now
        )
        .one().id
    );
    const executionId = `journal-${id}`;
    const fs = journaledFs(this.host.workspace.fs, new UndoRecorder(this.host.sql, this.provider, id));
    this.#byExecution.set(executionId, fs.fs);
    const work = (async () => {
      let result: unknown;
      let thrown: unknown;
      try {
        result = await execute({ fs: fs.fs, executionId });
      } catch (error) {
        // The tool's own failure, not a crash: its effects so far stand with the error, as they would unjournaled.
        thrown = error;
        result = { error: errorText(error) };
      }
      await hold("holdBeforeCommit", call.tool);
      fs.close();
      this.commit(id, result);
      await hold("holdAfterCommit", call.tool);
      if (thrown !== undefined) throw thrown;
      return result;
    })();
    this.#live.set(call.key, work);
    try {
      return { result: await work, reconciled: false };
    } finally {
      this.#live.delete(call.key);
      this.#byExecution.delete(executionId);
    }
  }

  /**
   * Called from the Assistant's constructor: every execution still marked
   * running was cut off by a crash. Restores what it changed and records the
   * interruption in the audit log, one transaction each.
   */
  recoverInterrupted(): number {
    const rows = this.host.sql.exec<JournalRow>(`SELECT * FROM steward_journal WHERE status = 'running' ORDER BY id`).toArray();
    for (const row of rows) this.rollBack(row);
    return rows.length;
  }

  /**
   * What the model should read in place of each interrupted call of a
   * recovering session, by tool call id; a committed one that was never
   * audited gets its "interrupted" audit row now.
   */
  interrupted(session: string, toolCallIds: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const toolCallId of toolCallIds) {
      const row = this.host.sql
        .exec<JournalRow>(`SELECT * FROM steward_journal WHERE session = ? AND tool_call_id = ? ORDER BY id DESC LIMIT 1`, session, toolCallId)
        .toArray()[0];
      if (!row || this.#live.has(row.key)) continue;
      if (row.status === "rolled_back") out[toolCallId] = INTERRUPTED_NOTHING_APPLIED;
      else if (row.status === "committed") {
        this.auditAppliedOnce(row);
        const summary = resultSummary(parseResult(row.result));
        out[toolCallId] = summary ? `${INTERRUPTED_APPLIED_ONCE}\nRecorded result: ${summary}` : INTERRUPTED_APPLIED_ONCE;
      }
    }
    return out;
  }

  /** The normal audit row of this call was written (afterToolCall): a later recovery must not add another. */
  markAudited(session: string, toolCallId: string): void {
    this.host.sql.exec(`UPDATE steward_journal SET audited = 1 WHERE session = ? AND tool_call_id = ?`, session, toolCallId);
  }

  private latest(key: string): JournalRow | undefined {
    return this.host.sql.exec<JournalRow>(`SELECT * FROM steward_journal WHERE key = ? AND status != 'rolled_back' ORDER BY id DESC LIMIT 1`, key).toArray()[0];
  }

  /** Effects and result become one: the result is recorded and the undo images dropped in one transaction. */
  private commit(id: number, result: unknown): void {
    this.host.transact(() => {
      this.host.sql.exec(
        `UPDATE steward_journal SET status = 'committed', result = ?, updated_at = ? WHERE id = ? AND status = 'running'`,
        JSON.stringify(result ?? null),
        Date.now(),
        id
      );
      this.host.sql.exec(`DELETE FROM steward_journal_undo WHERE journal_id = ?`, id);
    });
  }

  private rollBack(row: JournalRow): void {
    this.host.transact(() => {
      restore(this.provider, this.undoImages(row.id));
      this.host.sql.exec(`DELETE FROM steward_journal_undo WHERE journal_id = ?`, row.id);
      this.host.sql.exec(`UPDATE steward_journal SET status = 'rolled_back', audited = 1, updated_at = ? WHERE id = ?`, Date.now(), row.id);
      this.audit(row, "interrupted by a restart before it finished; no changes were applied (its partial changes were rolled back)");
    });
  }

  private auditAppliedOnce(row: JournalRow): void {
    if (row.audited) return;
    this.host.sql.exec(`UPDATE steward_journal SET audited = 1 WHERE id = ?`, row.id);
    this.audit(row, "interrupted by a restart after it finished, before its result reached the model; its changes were applied once");
  }

  private audit(row: JournalRow, detail: string): void {
    new AuditLog(this.host.sql, "").record({
      session: row.session,
      turn: row.turn,
      tier: tierOfTool(row.tool),
      tool: row.tool,
      inputDigest: row.input_digest,
      outcome: "interrupted",
      durationMs: 0,
      bytesOut: 0,
      approved: null,
      detail
    });
  }

  private undoImages(id: number): UndoImage[] {
    const images = new Map<string, UndoImage>();
    const rows = this.host.sql
      .exec<{ path: string; kind: UndoKind; mode: number; target: string; content: ArrayBuffer | null }>(
        `SELECT path, kind, mode, target, content FROM steward_journal_undo WHERE journal_id = ? ORDER BY path, part`,
        id
      )
      .toArray();
    for (const row of rows) {
      const image = images.get(row.path) ?? { path: row.path, kind: row.kind, mode: Number(row.mode), target: row.target, parts: [] };
      if (row.content) image.parts.push(new Uint8Array(row.content));
      images.set(row.path, image);
    }
    return [...images.values()];
  }
}

async function hold(which: "holdBeforeCommit" | "holdAfterCommit", tool: string): Promise<void> {
  if (journalTestHooks[which] !== tool) return;
  journalTestHooks.held.push(tool);
  await new Promise<never>(() => undefined);
}

function parseResult(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function resultSummary(result: unknown): string {
  if (typeof result === "string") return result.slice(0, 500);
  if (typeof result !== "object" || result === null) return "";
  const record = result as Record<string, unknown>;
  const text = typeof record.text === "string" ? record.text : typeof record.error === "string" ? record.error : JSON.stringify(result);
  return text.slice(0, 500);
}

// ── Undo images ───────────────────────────────────────────────────────

interface UndoImage {
  path: string;
  kind: UndoKind;
  mode: number;
  target: string;
  parts: Uint8Array[];
}

/** Saves each path's state before an execution first changes it (synchronously: nothing can run in between). */
class UndoRecorder {
  readonly #seen = new Set<string>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly provider: Provider,
    private readonly journalId: number
  ) {}

  /** `path` and every missing ancestor (a write creates parents). */
  path(path: string): void {
    const parts = canonical(path).split("/").filter(Boolean);
    let current = "";
    for (const part of parts.slice(0, -1)) {
      current += `/${part}`;
      if (!exists(this.provider, current)) this.save(current);
    }
    this.save(canonical(path));
  }

  /** `path` and everything under it (rm -r, rename). */
  tree(path: string): void {
    const at = canonical(path);
    this.path(at);
    const stat = lstat(this.provider, at);
    if (!stat?.isDirectory()) return;
    for (const name of this.provider.readdirSync(at) as string[]) this.tree(at === "/" ? `/${name}` : `${at}/${name}`);
  }

  private save(path: string): void {
    if (this.#seen.has(path)) return;
    this.#seen.add(path);
    const stat = lstat(this.provider, path);
    const insert = (kind: UndoKind, part: number, mode: number, target: string, content: Uint8Array | null) =>
      this.sql.exec(
        `INSERT OR IGNORE INTO steward_journal_undo (journal_id, path, part, kind, mode, target, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        this.journalId,
        path,
        part,
        kind,
        mode,
        target,
        content
      );
    if (!stat) insert("absent", 0, 0, "", null);
    else if (stat.isSymbolicLink()) insert("symlink", 0, 0, this.provider.readlinkSync(path), null);
    else if (stat.isDirectory()) insert("dir", 0, stat.mode & 0o7777, "", null);
    else {
      const bytes = new Uint8Array(this.provider.readFileSync(path) as Uint8Array);
      const mode = stat.mode & 0o7777;
      if (bytes.byteLength === 0) insert("file", 0, mode, "", new Uint8Array(0));
      for (let offset = 0, part = 0; offset < bytes.byteLength; offset += UNDO_PART_BYTES, part++) {
        insert("file", part, mode, "", bytes.subarray(offset, offset + UNDO_PART_BYTES));
      }
    }
  }
}

/** Puts every saved path back as it was; runs inside one transaction. */
function restore(provider: Provider, images: UndoImage[]): void {
  const depth = (image: UndoImage) => image.path.split("/").length;
  const deepestFirst = [...images].sort((a, b) => depth(b) - depth(a));
  const shallowestFirst = [...images].sort((a, b) => depth(a) - depth(b));
  for (const image of deepestFirst) if (image.kind === "absent") removeTree(provider, image.path);
  for (const image of shallowestFirst) {
    if (image.kind === "absent") continue;
    const now = lstat(provider, image.path);
    if (image.kind === "dir") {
      if (now && !now.isDirectory()) removeTree(provider, image.path);
      if (!now?.isDirectory()) provider.mkdirSync(image.path, { recursive: true });
      provider.chmodSync(image.path, image.mode);
      continue;
    }
    if (now) removeTree(provider, image.path);
    const parent = image.path.slice(0, image.path.lastIndexOf("/"));
    if (parent && !exists(provider, parent)) provider.mkdirSync(parent, { recursive: true });
    if (image.kind === "symlink") provider.symlinkSync(image.target, image.path);
    else provider.writeFileSync(image.path, Buffer.from(concatBytes(image.parts)), { mode: image.mode });
  }
}

function removeTree(provider: Provider, path: string): void {
  const stat = lstat(provider, path);
  if (!stat) return;
  if (stat.isDirectory()) {
    for (const name of provider.readdirSync(path) as string[]) removeTree(provider, `${path}/${name}`);
    provider.rmdirSync(path);
  } else provider.unlinkSync(path);
}

function lstat(provider: Provider, path: string): ReturnType<Provider["lstatSync"]> | null {
  try {
    return provider.lstatSync(path);
  } catch {
    // ENOENT, or a parent that is not a directory: either way nothing is there.
    return null;
  }
}

function exists(provider: Provider, path: string): boolean {
  return lstat(provider, path) !== null;
}

/** The workspace's own path form: absolute, no `.`/`..`/empty segments, no trailing slash. */
function canonical(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

// ── The journaled file system ─────────────────────────────────────────

/**
 * The workspace file system with every change preceded by its undo image.
 * Reads pass straight through. After `close()` (the execution committed) a
 * straggling write from the execution is refused rather than left outside
 * the journal.
 */
function journaledFs(fs: Fs, undo: UndoRecorder): { fs: Fs; close(): void } {
  let closed = false;
  const before = (record: () => void) => {
    if (closed) throw new Error("This execution has finished; its changes are already recorded.");
    record();
  };
  const changes: Record<string, (...args: unknown[]) => void> = {
    writeFile: (path) => before(() => undo.path(String(path))),
    mkdir: (path) => before(() => undo.path(String(path))),
    chmod: (path) => before(() => undo.path(String(path))),
    symlink: (_target, path) => before(() => undo.path(String(path))),
    rm: (path) => before(() => undo.tree(String(path))),
    rename: (from, to) =>
      before(() => {
        undo.tree(String(from));
        undo.tree(String(to));
      })
  };
  const proxy = new Proxy(fs, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      const record = typeof property === "string" ? changes[property] : undefined;
      if (!record) return method.bind(target);
      return (...args: unknown[]) => {
        try {
          record(...args);
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(errorText(error)));
        }
        return method.apply(target, args);
      };
    }
  });
  return {
    fs: proxy,
    close: () => {
      closed = true;
    }
  };
}

/**
 * Tier 1/2 backends whose executions write through their call's journaled
 * file system. The JavaScript backend builds each execution's workspace
 * capability from `host.fs` while `exec` starts, so `fs` here is a getter
 * that answers with the starting execution's file system. Starts are
 * serialised (a start is module loading, not the run) so two starting
 * executions never see each other's.
 */
export function journaledBackends(backends: WorkspaceModuleBackend[], fsFor: (executionId: string) => Fs | undefined): WorkspaceModuleBackend[] {
  return backends.map((inner) => ({
    protocol: inner.protocol,
    id: inner.id,
    type: inner.type,
    ...(inner.callable === undefined ? {} : { callable: inner.callable }),
    ...(inner.description === undefined ? {} : { description: inner.description }),
    async connect(host: WorkspaceModuleBackendHost): Promise<WorkspaceModuleBackendHandle> {
      let starting: Fs | undefined;
      const routed: WorkspaceModuleBackendHost = {
        ...host,
        get fs() {
          return starting ?? host.fs;
        }
      };
      const handle = await inner.connect(routed);
      let queue: Promise<unknown> = Promise.resolve();
      const exec: WorkspaceModuleBackendHandle["exec"] = (input) => {
        const started = queue.then(async () => {
          starting = input.id === undefined ? undefined : fsFor(input.id);
          try {
            return await handle.exec(input);
          } finally {
            starting = undefined;
          }
        });
        queue = started.catch(() => undefined);
        return started;
      };
      return new Proxy(handle, {
        get(target, property, receiver) {
          if (property === "exec") return exec;
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
      });
    }
  }));
}
