import { cronDayMatches, parseCron } from "./cron";
import { DAY_MS, formatLocal, instantOf, localOf, partsOf, startOfDay } from "./zone";
import { isWholeNumber } from "../util/whole-number";
import type { ScheduleSpec } from "../shared/views";

export type { ScheduleSpec } from "../shared/views";

export const MIN_INTERVAL_MINUTES = 5;
export const WEEKDAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** Throws a clear error for anything malformed; returns the normalised spec. */
export function validSpec(input: unknown, now: number): ScheduleSpec {
  if (typeof input !== "object" || input === null) throw new Error("schedule must be an object with a kind");
  const spec = input as Record<string, unknown>;
  switch (spec.kind) {
    case "once": {
      const at = spec.at;
      if (typeof at !== "number" || !Number.isFinite(at)) throw new Error("once: at must be a time (epoch milliseconds)");
      if (at <= now) throw new Error(`once: ${new Date(at).toISOString()} is in the past`);
      return { kind: "once", at: Math.ceil(at / 1000) * 1000 };
    }
    case "interval": {
      const minutes = spec.minutes;
      if (typeof minutes !== "number" || !Number.isInteger(minutes)) throw new Error("interval: minutes must be a whole number");
      if (minutes < MIN_INTERVAL_MINUTES) throw new Error(`interval: every ${minutes} minutes is too often; the minimum is ${MIN_INTERVAL_MINUTES} minutes`);
      if (minutes > 366 * 24 * 60) throw new Error("interval: at most once a year (527040 minutes)");
      return { kind: "interval", minutes };
    }
    case "daily":
      return { kind: "daily", time: validTime(spec.time) };
    case "weekly": {
      const days = spec.days;
      if (!Array.isArray(days) || days.length === 0) throw new Error("weekly: days must list at least one day (0 = Sunday … 6 = Saturday)");
      for (const d of days) if (!isWholeNumber(d, 0, 6)) throw new Error(`weekly: day ${JSON.stringify(d)} is not 0 (Sunday) to 6 (Saturday)`);
      return { kind: "weekly", days: [...new Set(days as number[])].sort((a, b) => a - b), time: validTime(spec.time) };
    }
    case "cron": {
      if (typeof spec.expr !== "string") throw new Error('cron: expr must be a string such as "0 9 * * 1"');
      const expr = spec.expr.trim().replace(/\s+/g, " ");
      parseCron(expr);
      const cronSpec: ScheduleSpec = { kind: "cron", expr };
      checkCronSpacing(cronSpec, now);
      return cronSpec;
    }
    default:
      throw new Error(`unknown schedule kind ${JSON.stringify(spec.kind)}; use once, interval, daily, weekly or cron`);
  }
}

export function validTime(time: unknown): string {
  const m = typeof time === "string" ? /^(\d{1,2}):(\d{2})$/.exec(time.trim()) : null;
  if (!m) throw new Error(`time ${JSON.stringify(time)} must be HH:MM (24-hour), e.g. 08:00`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) throw new Error(`time ${JSON.stringify(time)} is not a time of day (00:00–23:59)`);
  return `${String(h).padStart(2, "0")}:${m[2]}`;
}

/** Cron expressions may not fire more often than the minimum interval. */
function checkCronSpacing(spec: ScheduleSpec, now: number): void {
  let previous = nextAfter(spec, now, "UTC", now);
  if (previous === null) throw new Error("cron never fires (no matching day in the next five years)");
  for (let i = 0; i < 20; i++) {
    const next = nextAfter(spec, previous, "UTC", now);
    if (next === null) return;
    if (next - previous < MIN_INTERVAL_MINUTES * 60_000) {
      throw new Error(`cron "${(spec as { expr: string }).expr}" fires more often than every ${MIN_INTERVAL_MINUTES} minutes`);
    }
    previous = next;
  }
}

/**
 * The first occurrence strictly after `after`, or null when there is none
 * (a `once` that has passed). `anchor` is where an interval counts from.
 */
export function nextAfter(spec: ScheduleSpec, after: number, zone: string, anchor: number): number | null {
  switch (spec.kind) {
    case "once":
      return spec.at > after ? spec.at : null;
    case "interval": {
      const period = spec.minutes * 60_000;
      if (after < anchor) return anchor + period;
      return anchor + (Math.floor((after - anchor) / period) + 1) * period;
    }
    case "daily":
      return nextWallClock(after, zone, () => true, [minutesOf(spec.time)]);
    case "weekly": {
      const days = new Set(spec.days);
      return nextWallClock(after, zone, (_m, _d, weekday) => days.has(weekday), [minutesOf(spec.time)]);
    }
    case "cron": {
      const cron = parseCron(spec.expr);
      const times: number[] = [];
      for (const h of cron.hours) for (const m of cron.minutes) times.push(h * 60 + m);
      return nextWallClock(after, zone, (month, day, weekday) => cronDayMatches(cron, month, day, weekday), times);
    }
  }
}

function minutesOf(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Walks local days from the day before `after` (max five years), trying each listed local time. */
function nextWallClock(
  after: number,
  zone: string,
  dayMatches: (month: number, day: number, weekday: number) => boolean,
  minutesOfDay: number[]
): number | null {
  const firstDay = startOfDay(localOf(after, zone)) - DAY_MS;
  for (let i = 0; i < 366 * 5 + 2; i++) {
    const day = firstDay + i * DAY_MS;
    const p = partsOf(day);
    if (!dayMatches(p.month, p.day, p.weekday)) continue;
    for (const minute of minutesOfDay) {
      const local = day + minute * 60_000;
      // Cheap skip: anything over a day before `after` cannot be next.
      if (local < after - DAY_MS) continue;
      const instant = instantOf(local, zone);
      if (instant > after) return instant;
    }
  }
  return null;
}

/** Plain words for a schedule, e.g. "every weekday at 08:00 (Europe/Lisbon)". */
export function describeSpec(spec: ScheduleSpec, zone: string): string {
  switch (spec.kind) {
    case "once":
      return `once at ${formatLocal(spec.at, zone)} (${zone})`;
    case "interval":
      return spec.minutes % 60 === 0 ? `every ${spec.minutes / 60}h` : `every ${spec.minutes}m`;
    case "daily":
      return `daily at ${spec.time} (${zone})`;
    case "weekly": {
      const days = spec.days.join(",") === "1,2,3,4,5" ? "weekday" : spec.days.map((d) => WEEKDAY_NAMES[d]).join(",");
      return `every ${days} at ${spec.time} (${zone})`;
    }
    case "cron":
      return `cron "${spec.expr}" (${zone})`;
  }
}

/** Whether the spec is tied to the wall clock (and so moves when the user's time zone changes). */
export function isWallClock(spec: ScheduleSpec): boolean {
  return spec.kind === "daily" || spec.kind === "weekly" || spec.kind === "cron";
}
