import { validSpec, validTime, WEEKDAY_NAMES } from "./spec";
import type { ScheduleSpec } from "./spec";
import { instantOf, localOf, startOfDay, DAY_MS } from "./zone";

/**
 * The schedule language shared by `/schedule`, the `schedule_task` tool and
 * the web app's free-text field:
 *
 *   in 20m | in 1h30m | in 2 hours             once, that long from now
 *   at 2026-12-01 09:00 | at 09:00             once, at a local time (a bare time: its next occurrence)
 *   every 2h | every 30 minutes | every hour   interval (real elapsed time)
 *   daily at 18:30 | every day at 18:30        daily, local time
 *   every weekday at 08:00 | weekdays at 08:00 Monday–Friday, local time
 *   every mon,wed at 09:00 | weekly on fri at 17:00
 *   cron "0 9 * * 1"                           five-field cron, local time
 *
 * Splitting (syntax only) happens where the text arrives; resolving needs the
 * user's time zone and the current time, so it happens in the Assistant.
 */

const UNIT = String.raw`(?:minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d)(?![a-z])`;
const DURATION = String.raw`(?:\d+\s*${UNIT}\s*)+`;
const TIME = String.raw`\d{1,2}:\d{2}`;
const DAY = String.raw`(?:sun|mon|tue|tues|wed|thu|thur|thurs|fri|sat)[a-z]*`;
const DAYS = String.raw`${DAY}(?:\s*(?:,|and)\s*${DAY})*`;

interface Pattern {
  re: RegExp;
  build(m: RegExpExecArray, now: number, zone: string): unknown;
}

const PATTERNS: Pattern[] = [
  {
    re: new RegExp(String.raw`^in\s+(${DURATION})`, "i"),
    build: (m, now) => ({ kind: "once", at: now + durationMs(m[1]!) })
  },
  {
    re: new RegExp(String.raw`^(?:at|on)\s+(\d{4}-\d{2}-\d{2})(?:\s+at\s+|\s+|T)(${TIME})(?=\s|$)`, "i"),
    build: (m, _now, zone) => ({ kind: "once", at: localDateTime(m[1]!, m[2]!, zone) })
  },
  {
    re: new RegExp(String.raw`^at\s+(${TIME})(?=\s|$)`, "i"),
    build: (m, now, zone) => ({ kind: "once", at: nextLocalTime(m[1]!, now, zone) })
  },
  {
    re: new RegExp(String.raw`^(?:daily|every\s+day)\s+at\s+(${TIME})(?=\s|$)`, "i"),
    build: (m) => ({ kind: "daily", time: m[1] })
  },
  {
    re: new RegExp(String.raw`^(?:every\s+weekday|weekdays)\s+at\s+(${TIME})(?=\s|$)`, "i"),
    build: (m) => ({ kind: "weekly", days: [1, 2, 3, 4, 5], time: m[1] })
  },
  {
    re: new RegExp(String.raw`^(?:every\s+weekend(?:\s+day)?|weekends)\s+at\s+(${TIME})(?=\s|$)`, "i"),
    build: (m) => ({ kind: "weekly", days: [0, 6], time: m[1] })
  },
  {
    re: new RegExp(String.raw`^(?:every|weekly\s+on|every\s+week\s+on|on)\s+(${DAYS})\s+at\s+(${TIME})(?=\s|$)`, "i"),
    build: (m) => ({ kind: "weekly", days: dayList(m[1]!), time: m[2] })
  },
  {
    re: new RegExp(String.raw`^(?:hourly|every\s+hour)(?=\s|$)`, "i"),
    build: () => ({ kind: "interval", minutes: 60 })
  },
  {
    re: new RegExp(String.raw`^every\s+(${DURATION})`, "i"),
    build: (m) => ({ kind: "interval", minutes: durationMs(m[1]!) / 60_000 })
  },
  {
    re: /^cron\s+(?:"([^"]*)"|'([^']*)')/i,
    build: (m) => ({ kind: "cron", expr: m[1] ?? m[2] ?? "" })
  }
];

const KEYWORDS = /^(in|at|on|every|daily|weekdays|weekends|weekly|hourly|cron)\b/i;

export const WHEN_HELP =
  'in 20m | at 2026-12-01 09:00 | at 09:00 | every 2h | daily at 18:30 | every weekday at 08:00 | every mon,wed at 09:00 | cron "0 9 * * 1"';

/** Splits the schedule off the front of `text`; throws a clear error when there is none. */
export function splitWhen(text: string): { when: string; rest: string } {
  const trimmed = text.trim();
  for (const p of PATTERNS) {
    const m = p.re.exec(trimmed);
    if (m) return { when: m[0].trim(), rest: trimmed.slice(m[0].length).trim() };
  }
  throw new Error(whenError(trimmed));
}

function whenError(text: string): string {
  const head = text.split(/\s+/).slice(0, 4).join(" ");
  if (/^cron\b/i.test(text)) return `cron needs its expression in quotes, e.g. cron "0 9 * * 1"; got: ${head}`;
  if (/^every\s+\d+\s*[a-z]*/i.test(text) && !new RegExp(`^every\\s+${DURATION}`, "i").test(text)) {
    return `unknown unit in "${head}"; use m (minutes), h (hours) or d (days), e.g. every 2h`;
  }
  if (/\bat\s+\S+/i.test(text) && !new RegExp(`at\\s+(\\d{4}-\\d{2}-\\d{2}\\s+)?${TIME}`, "i").test(text)) {
    return `times are HH:MM (24-hour) and dates YYYY-MM-DD, e.g. at 2026-12-01 09:00; got: ${head}`;
  }
  if (KEYWORDS.test(text)) return `could not read the schedule "${head}…"; try one of: ${WHEN_HELP}`;
  return `a schedule must come first (${WHEN_HELP}); got: "${head}"`;
}

/** Resolves a whole schedule phrase into a validated spec, in `zone`, as of `now`. */
export function resolveWhen(when: string, now: number, zone: string): ScheduleSpec {
  const trimmed = when.trim();
  for (const p of PATTERNS) {
    const m = p.re.exec(trimmed);
    if (!m) continue;
    if (m[0].trim().length !== trimmed.length) {
      throw new Error(`unexpected text after the schedule: "${trimmed.slice(m[0].length).trim()}"`);
    }
    return validSpec(p.build(m, now, zone), now);
  }
  throw new Error(whenError(trimmed));
}

export interface ScheduleCommand {
  when: string;
  prompt: string;
  quiet: boolean;
  deliver?: "web" | "email";
}

/** `/schedule <when> [--quiet] [--email|--web] <prompt>` (syntax only). */
export function parseScheduleArgs(text: string): ScheduleCommand {
  if (!text.trim()) throw new Error(`say when and what, e.g. /schedule every weekday at 08:00 summarise my inbox (when: ${WHEN_HELP})`);
  const { when, rest } = splitWhen(text);
  let prompt = rest;
  let quiet = false;
  let deliver: "web" | "email" | undefined;
  for (;;) {
    const flag = /^--([a-z-]+)(?:\s+|$)/i.exec(prompt);
    if (!flag) break;
    const name = flag[1]!.toLowerCase();
    if (name === "quiet") quiet = true;
    else if (name === "email" || name === "web") deliver = name;
    else throw new Error(`unknown option --${name}; options are --quiet, --email, --web`);
    prompt = prompt.slice(flag[0].length);
  }
  prompt = prompt.trim();
  if (!prompt) throw new Error(`what should I do ${when}? Put the instructions after the schedule`);
  return { when, prompt, quiet, ...(deliver ? { deliver } : {}) };
}

function durationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)\s*([a-z]+)/gi)) {
    const n = Number(m[1]);
    const unit = m[2]!.toLowerCase()[0];
    total += n * (unit === "d" ? DAY_MS : unit === "h" ? 3_600_000 : 60_000);
  }
  return total;
}

function dayList(text: string): number[] {
  return text
    .toLowerCase()
    .split(/\s*(?:,|and)\s*/)
    .filter(Boolean)
    .map((d) => {
      const i = WEEKDAY_NAMES.indexOf(d.slice(0, 3));
      if (i < 0) throw new Error(`unknown day "${d}"; use mon, tue, wed, thu, fri, sat or sun`);
      return i;
    });
}

function localDateTime(date: string, time: string, zone: string): number {
  const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
  const [h, mi] = validTime(time).split(":").map(Number) as [number, number];
  const local = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(local);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw new Error(`${date} is not a calendar date`);
  return instantOf(local, zone);
}

function nextLocalTime(time: string, now: number, zone: string): number {
  const [h, mi] = validTime(time).split(":").map(Number) as [number, number];
  const today = startOfDay(localOf(now, zone));
  for (const day of [today, today + DAY_MS, today + 2 * DAY_MS]) {
    const instant = instantOf(day + (h * 60 + mi) * 60_000, zone);
    if (instant > now) return instant;
  }
  throw new Error(`could not place ${time} after now`);
}
