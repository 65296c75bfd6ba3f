/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl. A "local"
 * value is a wall-clock time encoded as if it were UTC milliseconds (so plain
 * Date.UTC arithmetic works on it); an "instant" is real epoch milliseconds.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric"
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time at `instant` in `zone`, as local milliseconds (seconds precision). */
export function localOf(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
}

/** Offset of `zone` from UTC at `instant`, in milliseconds (local = instant + offset). */
export function offsetAt(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return localOf(whole, zone) - whole;
}

/**
 * The instant a wall-clock time happens in `zone`. Like Temporal's
 * "compatible" disambiguation: a time repeated when clocks go back is taken
 * at its first occurrence; a time skipped when clocks go forward is moved
 * forward by the length of the gap (01:30 in a 01:00→02:00 gap is 02:30).
 */
export function instantOf(local: number, zone: string): number {
  const before = offsetAt(local - 86_400_000, zone);
  const after = offsetAt(local + 86_400_000, zone);
  const candidates = [local - before, local - after].filter((i) => i + offsetAt(i, zone) === local);
  if (candidates.length > 0) return Math.min(...candidates);
  return local - before;
}

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

export function partsOf(local: number): LocalParts {
  const d = new Date(local);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay()
  };
}

export const DAY_MS = 86_400_000;

/** Local midnight of the local day containing `local`. */
export function startOfDay(local: number): number {
  return Math.floor(local / DAY_MS) * DAY_MS;
}

/** "2026-12-01 09:00" in `zone`. */
export function formatLocal(instant: number, zone: string): string {
  return new Date(localOf(instant, zone)).toISOString().slice(0, 16).replace("T", " ");
}
