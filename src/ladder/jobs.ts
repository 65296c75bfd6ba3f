import { errorText } from "../shared/error-text";

/**
 * Durable jobs: a side effect that must not repeat runs once per idempotency
 * key, inside a fiber, with its outcome in the agent's SQLite (`steward_jobs`).
 * The one user is tier 4: `shell-job.ts` runs each `run_shell` command as a job
 * of kind "shell" in the Assistant, which recovers its `job:shell` fibers in
 * `onFiberRecovered`. Tier 2 bundles and email do not use it: a bundle build is
 * content-addressed and simply resumes (`npm-bundler.ts`), and mail is sent once
 * per key by `sendOnce` (`src/channels/email/outbound.ts`).
 *
 * Contract:
 * - The caller derives a base key from the exact call (tool, canonical input)
 *   and the turn it belongs to. Within one turn an identical call whose earlier
 *   run never reached the model (a crash cut it off) gets that run's result —
 *   reconciled, not re-run. Once a result has been delivered, the same call is
 *   a new attempt (`<base>-<n>`): a model that runs `make test` twice means it.
 * - `run(input, key)` performs the effect and must pass `key` on to whatever
 *   executes it, so that system can answer `reconcile(input, key)` later:
 *   the recorded result, waiting for it if still running; or null if the
 *   effect never happened.
 * - After a crash, `onFiberRecovered` → `recoverJob` reconciles every job the
 *   fiber was running; a job whose fate cannot be learned is marked `lost`
 *   and reported as such — never silently re-run.
 */
export interface JobSpec<I, R> {
  kind: string;
  run(input: I, key: string): Promise<R>;
  reconcile(input: I, key: string): Promise<R | null>;
}

export type JobStatus = "running" | "done" | "lost";

export interface JobOutcome<R> {
  key: string;
  /** The result came from the record of an interrupted run, not a new run. */
  reconciled: boolean;
  result: R | null;
  /** Set when the job was lost: what the caller should tell the model. */
  lost?: string;
}

type JobRow = {
  key: string;
  base_key: string;
  kind: string;
  input: string;
  status: JobStatus;
  result: string | null;
  delivered: number;
};

export interface FiberHost {
  runFiber<T>(name: string, fn: (ctx: { stash(data: unknown): void }) => Promise<T>): Promise<T>;
}

export const JOB_FIBER_PREFIX = "job:";

export class JobLedger {
  /** Jobs running in this isolate: a duplicate joins them. A "running" row not in here was interrupted. */
  readonly #live = new Map<string, Promise<unknown>>();

  constructor(private readonly sql: SqlStorage) {}

  get(key: string): JobRow | undefined {
    return this.sql.exec<JobRow>(`SELECT * FROM steward_jobs WHERE key = ?`, key).toArray()[0];
  }

  /** Runs (or reconciles) the job for `baseKey`; see the contract above. */
  async run<I, R>(host: FiberHost, spec: JobSpec<I, R>, baseKey: string, input: I): Promise<JobOutcome<R>> {
    const latest = this.sql.exec<JobRow>(`SELECT * FROM steward_jobs WHERE base_key = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`, baseKey).toArray()[0];
    if (latest && !latest.delivered) {
      const live = this.#live.get(latest.key);
      if (live) await live.catch(() => undefined);
      else if (latest.status === "running") await this.reconcile(spec, latest.key);
      const row = this.get(latest.key);
      if (row && row.status !== "running") return this.deliver<R>(row, !live);
    }
    const attempts = Number(this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM steward_jobs WHERE base_key = ?`, baseKey).one().n);
    const key = attempts === 0 ? baseKey : `${baseKey}-${attempts}`;
    const now = Date.now();
    this.sql.exec(
      `INSERT INTO steward_jobs (key, base_key, kind, input, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`,
      key,
      baseKey,
      spec.kind,
      JSON.stringify(input),
      now,
      now
    );
    const work = host.runFiber(`${JOB_FIBER_PREFIX}${spec.kind}`, async (ctx) => {
      // The checkpoint recovery needs: which job this fiber was running.
      ctx.stash({ key });
      const result = await spec.run(input, key);
      this.finish(key, "done", result);
      return result;
    });
    this.#live.set(key, work);
    try {
      await work;
    } catch (error) {
      // The effect's own failure (not a crash): record it so a retry is a new attempt.
      this.finish(key, "done", { error: errorText(error) });
      this.#live.delete(key);
      this.markDelivered(key);
      throw error;
    }
    this.#live.delete(key);
    return this.deliver<R>(this.get(key)!, false);
  }

  /** Called from `onFiberRecovered`: learns the fate of the job the dead fiber was running. */
  async recover<I, R>(spec: JobSpec<I, R>, snapshot: unknown): Promise<void> {
    const key = typeof snapshot === "object" && snapshot !== null ? (snapshot as { key?: unknown }).key : undefined;
    if (typeof key !== "string") return;
    const row = this.get(key);
    if (row?.status === "running" && !this.#live.has(key)) await this.reconcile(spec, key);
  }

  private async reconcile<I, R>(spec: JobSpec<I, R>, key: string): Promise<void> {
    const row = this.get(key);
    if (!row) return;
    const result = await spec.reconcile(JSON.parse(row.input) as I, key);
    if (result === null) this.finish(key, "lost", null);
    else this.finish(key, "done", result);
  }

  private finish(key: string, status: JobStatus, result: unknown): void {
    this.sql.exec(
      `UPDATE steward_jobs SET status = ?, result = ?, updated_at = ? WHERE key = ? AND status = 'running'`,
      status,
      result === null ? null : JSON.stringify(result),
      Date.now(),
      key
    );
  }

  private markDelivered(key: string): void {
    this.sql.exec(`UPDATE steward_jobs SET delivered = 1 WHERE key = ?`, key);
  }

  private deliver<R>(row: JobRow, reconciled: boolean): JobOutcome<R> {
    this.markDelivered(row.key);
    if (row.status === "lost") {
      return {
        key: row.key,
        reconciled,
        result: null,
        lost: "This job was interrupted by a restart and the sandbox has no record of it, so it may not have run. It was not run again; check the workspace before retrying."
      };
    }
    return { key: row.key, reconciled, result: row.result === null ? null : (JSON.parse(row.result) as R) };
  }
}
