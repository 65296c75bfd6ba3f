import type { StepUsage, UsageSink } from "./fallback";
import type { ModelFailure } from "../ops/health";
import { RECENT_FAILURE_MS } from "../ops/health";
import type { UsageByDay, UsageReport } from "../shared/views";

export type { UsageByDay, UsageReport } from "../shared/views";

/** Model failures kept per user (the health view shows the last hour's). */
const KEEP_FAILURES = 50;
/** Days of usage rows kept per user. */
const KEEP_DAYS = 90;

/** UTC day of an instant, "YYYY-MM-DD": the limit resets at midnight UTC for everyone. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Rows of steward_usage and steward_model_failure (src/schema/assistant.ts, migration 3). No DDL here. */
export class UsageStore {
  constructor(private readonly sql: SqlStorage) {}

  /** A turn's steps add up in one row per answering model. */
  record(row: { turn: string; session: string; channel: string } & StepUsage, now: number): void {
    this.sql.exec(
      `INSERT INTO steward_usage (turn, model, day, session, channel, input_tokens, output_tokens, steps, fallback_from, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT (turn, model) DO UPDATE SET
         input_tokens = input_tokens + excluded.input_tokens,
         output_tokens = output_tokens + excluded.output_tokens,
         steps = steps + 1,
         at = excluded.at`,
      row.turn,
      row.model,
      utcDay(now),
      row.session,
      row.channel,
      Math.max(0, Math.round(row.inputTokens)),
      Math.max(0, Math.round(row.outputTokens)),
      row.fallbackFrom.join(","),
      now
    );
  }

  tokensOn(day: string): number {
    return this.sql.exec<{ n: number | null }>(`SELECT SUM(input_tokens + output_tokens) AS n FROM steward_usage WHERE day = ?`, day).one().n ?? 0;
  }

  byDay(days: number, now: number): UsageByDay[] {
    const since = utcDay(now - (days - 1) * 86_400_000);
    return this.sql
      .exec<{ day: string; model: string; input: number; output: number; turns: number }>(
        `SELECT day, model, SUM(input_tokens) AS input, SUM(output_tokens) AS output, COUNT(*) AS turns
         FROM steward_usage WHERE day >= ? GROUP BY day, model ORDER BY day DESC, model`,
        since
      )
      .toArray()
      .map((r) => ({ day: r.day, model: r.model, inputTokens: r.input, outputTokens: r.output, turns: r.turns }));
  }

  /** A session's rows, oldest first: which model answered each turn and what it used. */
  ofSession(session: string): Array<{ turn: string; model: string; inputTokens: number; outputTokens: number; steps: number; fallbackFrom: string }> {
    return this.sql
      .exec<{ turn: string; model: string; input_tokens: number; output_tokens: number; steps: number; fallback_from: string }>(
        `SELECT turn, model, input_tokens, output_tokens, steps, fallback_from FROM steward_usage WHERE session = ? ORDER BY at`,
        session
      )
      .toArray()
      .map((r) => ({
        turn: r.turn,
        model: r.model,
        inputTokens: r.input_tokens,
        outputTokens: r.output_tokens,
        steps: r.steps,
        fallbackFrom: r.fallback_from
      }));
  }

  recordFailure(failure: ModelFailure): void {
    this.sql.exec(`INSERT INTO steward_model_failure (at, model, error) VALUES (?, ?, ?)`, failure.at, failure.model, failure.error);
    this.sql.exec(`DELETE FROM steward_model_failure WHERE id <= (SELECT MAX(id) FROM steward_model_failure) - ?`, KEEP_FAILURES);
  }

  recentFailures(now: number): ModelFailure[] {
    return this.sql
      .exec<{ at: number; model: string; error: string }>(
        `SELECT at, model, error FROM steward_model_failure WHERE at >= ? ORDER BY id DESC LIMIT 10`,
        now - RECENT_FAILURE_MS
      )
      .toArray()
      .map((r) => ({ at: r.at, model: r.model, error: r.error }));
  }

  prune(now: number): void {
    this.sql.exec(`DELETE FROM steward_usage WHERE day < ?`, utcDay(now - KEEP_DAYS * 86_400_000));
  }
}

/** What a Conversation's sink calls in its Assistant. */
export interface UsageHost {
  recordUsage(row: { turn: string; session: string; channel: string } & StepUsage): Promise<void> | void;
  recordModelFailure(model: string, error: string): Promise<void> | void;
}

/** A sink for one session's model calls; the turn id is read when a call finishes. */
export function usageSink(host: () => Promise<UsageHost>, where: { session: string; channel: string; turn: () => string }): UsageSink {
  // The daily limit is checked once, when a turn starts (src/limits/usage.ts), not per model call.
  return {
    record: async (usage) => (await host()).recordUsage({ turn: where.turn(), session: where.session, channel: where.channel, ...usage }),
    failed: async ({ model, error }) => (await host()).recordModelFailure(model, error)
  };
}
