/**
 * Per-user spend and abuse limits: turns per minute and model tokens per day.
 *
 * Kept in the user's own Assistant SQLite rather than the Workers Rate
 * Limiting binding: a per-user counter is exactly what the Assistant is for.
 * It is one Durable Object per user, so counts are exact (the binding is
 * per-location and eventually consistent), it can count tokens and whole
 * days (the binding counts requests over 10 s or 60 s only), and the same
 * code runs in `wrangler dev`, tests and production with no extra binding.
 *
 * Deployer settings (wrangler.jsonc `vars`), 0 = unlimited:
 *   TURNS_PER_MINUTE (default 20): turns that may reach the model in any 60 s;
 *   TOKENS_PER_DAY (default 2,000,000): model tokens (input + output) per UTC day.
 * A value that is not a whole number keeps the default: a typo never lifts a limit.
 *
 * Slash commands never reach the model (src/model/command-model.ts): they
 * count toward neither limit and still work when a limit is reached, so the
 * owner can always look at /audit or /tiers. A turn already running is not
 * cut short: the token limit can be overshot by the turn that crosses it.
 */
export interface UsageLimits {
  turnsPerMinute: number;
  tokensPerDay: number;
}

export const DEFAULT_LIMITS: UsageLimits = { turnsPerMinute: 20, tokensPerDay: 2_000_000 };
const MINUTE = 60_000;

export function limitsFrom(env: Partial<Pick<Env, "TURNS_PER_MINUTE" | "TOKENS_PER_DAY">>): UsageLimits {
  return {
    turnsPerMinute: setting(env.TURNS_PER_MINUTE, "TURNS_PER_MINUTE", DEFAULT_LIMITS.turnsPerMinute),
    tokensPerDay: setting(env.TOKENS_PER_DAY, "TOKENS_PER_DAY", DEFAULT_LIMITS.tokensPerDay)
  };
}

function setting(value: string | number | undefined, name: string, fallback: number): number {
  const text = String(value ?? "")
    .trim()
    .replaceAll("_", "")
    .replaceAll(",", "");
  if (text === "") return fallback;
  const n = Number(text);
  if (Number.isSafeInteger(n) && n >= 0) return n;
  console.warn(`[steward] ${name}=${JSON.stringify(value)} is not a whole number ≥ 0; using ${fallback}`);
  return fallback;
}

/** What kind of turn is asking to start. */
export interface TurnKind {
  /** A continuation (after a tool approval, a recovery): part of a turn already counted. */
  continuation: boolean;
  /** A slash command: answered without the model. */
  command: boolean;
}

export interface UsageView {
  turnsLastMinute: number;
  tokensToday: number;
  /** The UTC day the token total is for (YYYY-MM-DD). */
  day: string;
  limits: UsageLimits;
}

/**
 * Turns are counted here; tokens are read from the per-turn usage rows the
 * model calls write (src/model/usage.ts), so one record serves both the
 * limit and Settings → Usage.
 */
export class UsageMeter {
  constructor(
    private readonly sql: SqlStorage,
    private readonly now: () => number,
    private readonly tokensOn: (day: string) => number
  ) {}

  /**
   * Before a turn: null when it may run (a new turn is counted now), or the
   * message the user gets instead of a model answer. Synchronous SQL, so two
   * turns starting at once are counted exactly.
   */
  admit(limits: UsageLimits, kind: TurnKind): string | null {
    if (kind.command) return null;
    const now = this.now();
    if (limits.tokensPerDay > 0) {
      const used = this.tokensOn(dayOf(now));
      if (used >= limits.tokensPerDay) return tokenLimitMessage(used, limits.tokensPerDay, now);
    }
    if (kind.continuation) return null;
    this.sql.exec(`DELETE FROM steward_usage_turn WHERE at <= ?`, now - MINUTE);
    if (limits.turnsPerMinute > 0) {
      // Only the last minute as the clock sees it: rows "from the future" (a test's clock moved back) do not count.
      const recent = this.sql
        .exec<{ n: number; oldest: number | null }>(`SELECT count(*) AS n, min(at) AS oldest FROM steward_usage_turn WHERE at <= ?`, now)
        .one();
      if (Number(recent.n) >= limits.turnsPerMinute) {
        const waitMs = Number(recent.oldest ?? now) + MINUTE - now;
        return turnLimitMessage(limits.turnsPerMinute, waitMs);
      }
    }
    this.sql.exec(`INSERT INTO steward_usage_turn (at) VALUES (?)`, now);
    return null;
  }

  view(limits: UsageLimits): UsageView {
    const now = this.now();
    const turns = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM steward_usage_turn WHERE at > ? AND at <= ?`, now - MINUTE, now).one();
    return { turnsLastMinute: Number(turns.n), tokensToday: this.tokensOn(dayOf(now)), day: dayOf(now), limits };
  }
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function turnLimitMessage(limit: number, waitMs: number): string {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return [
    `Limit reached: at most ${limit} turns per minute for your agent, so this message was not sent to the model.`,
    `Please try again in about ${seconds} second${seconds === 1 ? "" : "s"}. Slash commands (/help) still work.`
  ].join(" ");
}

function tokenLimitMessage(used: number, limit: number, now: number): string {
  const hours = Math.max(
    1,
    Math.ceil((Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1) - now) / 3_600_000)
  );
  return [
    `Limit reached: your agent has used ${used.toLocaleString("en-US")} of its ${limit.toLocaleString("en-US")} model tokens for today, so this message was not sent to the model.`,
    `The allowance resets at 00:00 UTC (in about ${hours} hour${hours === 1 ? "" : "s"}). Slash commands (/help) still work.`
  ].join(" ");
}
