/**
 * Five-field cron (minute hour day-of-month month day-of-week), evaluated in
 * the user's time zone. Supports `*`, lists, ranges, steps and English names
 * (jan…dec, sun…sat); day-of-week 7 is Sunday. As in Vixie cron, when both
 * day fields are restricted a day matches if either does.
 */
export interface Cron {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  anyDay: boolean;
  anyWeekday: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, namesFrom: 0 }
];

/** Throws an Error naming the bad field. */
export function parseCron(expr: string): Cron {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new Error(`cron needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}: "${expr.trim()}"`);
  }
  const sets = fields.map((f, i) => parseField(f, FIELDS[i]!));
  const weekdays = new Set([...sets[4]!].map((d) => (d === 7 ? 0 : d)));
  return {
    minutes: [...sets[0]!].sort((a, b) => a - b),
    hours: [...sets[1]!].sort((a, b) => a - b),
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    anyDay: fields[2] === "*" || fields[2] === "?",
    anyWeekday: fields[4] === "*" || fields[4] === "?"
  };
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const out = new Set<number>();
  for (const item of text.toLowerCase().split(",")) {
    const m = /^(\*|\?|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new Error(`cron ${spec.name} field "${text}" is not valid`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new Error(`cron ${spec.name} step must be at least 1`);
    let lo: number;
    let hi: number;
    if (m[1] === "*" || m[1] === "?") {
      lo = spec.min;
      hi = spec.name === "day of week" ? 6 : spec.max;
    } else {
      const [a, b] = m[1]!.split("-");
      lo = value(a!, spec);
      hi = b === undefined ? (m[2] === undefined ? lo : spec.max) : value(b, spec);
      if (hi < lo) throw new Error(`cron ${spec.name} range ${m[1]} runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(token: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(token.slice(0, 3)) ?? -1;
  if (spec.names && named >= 0 && /^[a-z]+$/.test(token)) return named + (spec.namesFrom ?? 0);
  if (!/^\d+$/.test(token)) throw new Error(`cron ${spec.name} value "${token}" is not a number`);
  const n = Number(token);
  if (n < spec.min || n > spec.max) throw new Error(`cron ${spec.name} value ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

/** Whether a local calendar day matches the cron's day fields. */
export function cronDayMatches(cron: Cron, month: number, day: number, weekday: number): boolean {
  if (!cron.months.has(month)) return false;
  const dom = cron.days.has(day);
  const dow = cron.weekdays.has(weekday);
  if (cron.anyDay && cron.anyWeekday) return true;
  if (cron.anyDay) return dow;
  if (cron.anyWeekday) return dom;
  return dom || dow;
}
