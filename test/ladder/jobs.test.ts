import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { JobLedger } from "../../src/ladder/jobs";
import type { FiberHost, JobSpec } from "../../src/ladder/jobs";
import { assistantFor } from "../helpers/agent";

/** The ledger's contract, on a real Durable Object's SQLite, with a side effect we can count. */
function counter(recorded: Map<string, number>) {
  let runs = 0;
  const spec: JobSpec<{ n: number }, { value: number }> = {
    kind: "count",
    async run(input, key) {
      runs++;
      recorded.set(key, input.n * 10);
      return { value: input.n * 10 };
    },
    async reconcile(_input, key) {
      const value = recorded.get(key);
      return value === undefined ? null : { value };
    }
  };
  return { spec, runs: () => runs };
}

const inline: FiberHost = { runFiber: (_name, fn) => fn({ stash: () => undefined }) };

async function withLedger<T>(fn: (ledger: JobLedger, sql: SqlStorage) => Promise<T>): Promise<T> {
  const stub = await assistantFor(`jobs-unit-${crypto.randomUUID()}`);
  return runInDurableObject(stub as unknown as DurableObjectStub, (_instance, state) => fn(new JobLedger(state.storage.sql), state.storage.sql));
}

describe("JobLedger", () => {
  it("runs once per delivered result; an identical call after delivery is a new attempt", async () => {
    await withLedger(async (ledger) => {
      const recorded = new Map<string, number>();
      const { spec, runs } = counter(recorded);
      const first = await ledger.run(inline, spec, "k", { n: 1 });
      const second = await ledger.run(inline, spec, "k", { n: 1 });
      expect(first).toMatchObject({ key: "k", reconciled: false, result: { value: 10 } });
      expect(second).toMatchObject({ key: "k-1", reconciled: false });
      expect(runs()).toBe(2);
    });
  });

  it("reconciles an interrupted job from the effect's own record instead of running it again", async () => {
    await withLedger(async (ledger, sql) => {
      const recorded = new Map([["k", 70]]); // the effect happened; the agent died before recording it
      const { spec, runs } = counter(recorded);
      sql.exec(`INSERT INTO steward_jobs (key, base_key, kind, input, status, created_at, updated_at) VALUES ('k', 'k', 'count', '{"n":7}', 'running', 1, 1)`);
      const outcome = await ledger.run(inline, spec, "k", { n: 7 });
      expect(outcome).toMatchObject({ key: "k", reconciled: true, result: { value: 70 } });
      expect(runs()).toBe(0);
    });
  });

  it("marks a job whose fate is unknown as lost and never re-runs it silently", async () => {
    await withLedger(async (ledger, sql) => {
      const { spec, runs } = counter(new Map());
      sql.exec(`INSERT INTO steward_jobs (key, base_key, kind, input, status, created_at, updated_at) VALUES ('k', 'k', 'count', '{"n":2}', 'running', 1, 1)`);
      await ledger.recover(spec, { key: "k" }); // what onFiberRecovered does
      expect(ledger.get("k")?.status).toBe("lost");
      const outcome = await ledger.run(inline, spec, "k", { n: 2 });
      expect(outcome.lost).toMatch(/may not have run\. It was not run again/);
      expect(runs()).toBe(0);
      // Once that was reported, asking again is a deliberate new attempt.
      expect(await ledger.run(inline, spec, "k", { n: 2 })).toMatchObject({ key: "k-1", result: { value: 20 } });
      expect(runs()).toBe(1);
    });
  });
});
