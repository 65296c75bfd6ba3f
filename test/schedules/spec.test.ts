import { describe, expect, it } from "vitest";
import { parseCron } from "../../src/schedules/cron";
import { nextAfter, validSpec } from "../../src/schedules/spec";
import type { ScheduleSpec } from "../../src/schedules/spec";
import { instantOf, offsetAt } from "../../src/schedules/zone";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().slice(0, 16) + "Z");
const at = (s: string) => Date.parse(s);

/** The next `n` occurrences after `from`. */
function series(spec: ScheduleSpec, zone: string, from: string, n: number, anchor = at(from)): Array<string | null> {
  const out: Array<string | null> = [];
  let t: number | null = at(from);
  for (let i = 0; i < n && t !== null; i++) {
    t = nextAfter(spec, t, zone, anchor);
    out.push(iso(t));
  }
  return out;
}

describe("wall-clock time in a zone", () => {
  it("knows the offsets on both sides of a DST change", () => {
    expect(offsetAt(at("2027-03-28T00:59:00Z"), "Europe/Lisbon")).toBe(0);
    expect(offsetAt(at("2027-03-28T01:00:00Z"), "Europe/Lisbon")).toBe(3_600_000);
    expect(offsetAt(at("2027-03-14T06:59:00Z"), "America/New_York")).toBe(-5 * 3_600_000);
    expect(offsetAt(at("2027-03-14T07:00:00Z"), "America/New_York")).toBe(-4 * 3_600_000);
  });

  it("moves a skipped local time forward by the gap and takes a repeated one at its first occurrence", () => {
    // Lisbon 2027-03-28: 01:00 → 02:00, so 01:30 does not exist; it becomes 02:30 WEST.
    expect(iso(instantOf(Date.UTC(2027, 2, 28, 1, 30), "Europe/Lisbon"))).toBe("2027-03-28T01:30Z");
    // Lisbon 2026-10-25: 02:00 → 01:00, so 01:30 happens twice; the first is 00:30Z (WEST).
    expect(iso(instantOf(Date.UTC(2026, 9, 25, 1, 30), "Europe/Lisbon"))).toBe("2026-10-25T00:30Z");
    expect(iso(instantOf(Date.UTC(2026, 9, 26, 1, 30), "Europe/Lisbon"))).toBe("2026-10-26T01:30Z");
  });
});

describe("next occurrence", () => {
  it("daily at 09:00 in Lisbon keeps 09:00 local across spring forward", () => {
    expect(series({ kind: "daily", time: "09:00" }, "Europe/Lisbon", "2027-03-26T12:00:00Z", 3)).toEqual([
      "2027-03-27T09:00Z",
      "2027-03-28T08:00Z",
      "2027-03-29T08:00Z"
    ]);
  });

  it("daily at 01:30 in Lisbon: the skipped slot runs after the gap, the repeated slot runs once", () => {
    expect(series({ kind: "daily", time: "01:30" }, "Europe/Lisbon", "2027-03-26T12:00:00Z", 3)).toEqual([
      "2027-03-27T01:30Z",
      "2027-03-28T01:30Z",
      "2027-03-29T00:30Z"
    ]);
    expect(series({ kind: "daily", time: "01:30" }, "Europe/Lisbon", "2026-10-23T12:00:00Z", 3)).toEqual([
      "2026-10-24T00:30Z",
      "2026-10-25T00:30Z",
      "2026-10-26T01:30Z"
    ]);
  });

  it("weekdays at 08:00 in New York skip the weekend and follow the clock change", () => {
    expect(series({ kind: "weekly", days: [1, 2, 3, 4, 5], time: "08:00" }, "America/New_York", "2027-03-11T14:00:00Z", 3)).toEqual([
      "2027-03-12T13:00Z",
      "2027-03-15T12:00Z",
      "2027-03-16T12:00Z"
    ]);
  });

  it("weekly on chosen days", () => {
    expect(series({ kind: "weekly", days: [1, 3], time: "17:45" }, "UTC", "2026-11-23T18:00:00Z", 3)).toEqual([
      "2026-11-25T17:45Z",
      "2026-11-30T17:45Z",
      "2026-12-02T17:45Z"
    ]);
  });

  it("an interval is real elapsed time from its anchor, untouched by DST", () => {
    const anchor = at("2027-03-27T23:00:00Z");
    expect(series({ kind: "interval", minutes: 120 }, "Europe/Lisbon", "2027-03-27T23:00:00Z", 3, anchor)).toEqual([
      "2027-03-28T01:00Z",
      "2027-03-28T03:00Z",
      "2027-03-28T05:00Z"
    ]);
    // Counting from the anchor, not from whenever it is asked.
    expect(iso(nextAfter({ kind: "interval", minutes: 120 }, at("2027-03-28T04:10:00Z"), "UTC", anchor))).toBe("2027-03-28T05:00Z");
  });

  it("once runs once", () => {
    const spec: ScheduleSpec = { kind: "once", at: at("2026-12-01T09:00:00Z") };
    expect(series(spec, "UTC", "2026-11-30T00:00:00Z", 2)).toEqual(["2026-12-01T09:00Z", null]);
  });

  it("cron in the user's zone, including a slot inside the spring-forward gap", () => {
    expect(series({ kind: "cron", expr: "0 9 * * 1" }, "America/New_York", "2027-03-01T00:00:00Z", 3)).toEqual([
      "2027-03-01T14:00Z",
      "2027-03-08T14:00Z",
      "2027-03-15T13:00Z"
    ]);
    expect(series({ kind: "cron", expr: "30 2 * * *" }, "America/New_York", "2027-03-13T12:00:00Z", 2)).toEqual(["2027-03-14T07:30Z", "2027-03-15T06:30Z"]);
    // Hourly across the gap: 02:00 does not exist, and no instant is used twice.
    expect(series({ kind: "cron", expr: "0 * * * *" }, "America/New_York", "2027-03-14T05:30:00Z", 3)).toEqual([
      "2027-03-14T06:00Z",
      "2027-03-14T07:00Z",
      "2027-03-14T08:00Z"
    ]);
  });

  it("cron lists, ranges, steps, names and the either-day rule", () => {
    expect(series({ kind: "cron", expr: "15 8-10/2 * * mon-fri" }, "UTC", "2026-11-27T09:00:00Z", 3)).toEqual([
      "2026-11-27T10:15Z",
      "2026-11-30T08:15Z",
      "2026-11-30T10:15Z"
    ]);
    // Day of month 1 OR Sunday.
    expect(series({ kind: "cron", expr: "0 12 1 * sun" }, "UTC", "2026-11-27T00:00:00Z", 3)).toEqual([
      "2026-11-29T12:00Z",
      "2026-12-01T12:00Z",
      "2026-12-06T12:00Z"
    ]);
    expect(series({ kind: "cron", expr: "0 0 29 feb *" }, "UTC", "2026-11-27T00:00:00Z", 1)).toEqual(["2028-02-29T00:00Z"]);
  });
});

describe("validation", () => {
  const now = at("2026-11-22T12:00:00Z");
  it("refuses bad specs, naming what is wrong", () => {
    expect(() => validSpec({ kind: "interval", minutes: 2 }, now)).toThrow(/every 2 minutes is too often; the minimum is 5 minutes/);
    expect(() => validSpec({ kind: "interval", minutes: 2.5 }, now)).toThrow(/whole number/);
    expect(() => validSpec({ kind: "daily", time: "25:00" }, now)).toThrow(/not a time of day/);
    expect(() => validSpec({ kind: "daily", time: "9am" }, now)).toThrow(/HH:MM/);
    expect(() => validSpec({ kind: "weekly", days: [], time: "09:00" }, now)).toThrow(/at least one day/);
    expect(() => validSpec({ kind: "weekly", days: [7], time: "09:00" }, now)).toThrow(/day 7 is not 0/);
    expect(() => validSpec({ kind: "once", at: now - 1 }, now)).toThrow(/in the past/);
    expect(() => validSpec({ kind: "hourly" }, now)).toThrow(/unknown schedule kind "hourly"/);
    expect(() => validSpec(null, now)).toThrow(/object with a kind/);
    expect(() => validSpec({ kind: "cron", expr: "0 9 * *" }, now)).toThrow(/5 fields/);
    expect(() => validSpec({ kind: "cron", expr: "61 * * * *" }, now)).toThrow(/minute value 61 is outside 0-59/);
    expect(() => validSpec({ kind: "cron", expr: "*/2 * * * *" }, now)).toThrow(/more often than every 5 minutes/);
    expect(() => validSpec({ kind: "cron", expr: "0 9 31 2 *" }, now)).toThrow(/never fires/);
    expect(() => validSpec({ kind: "cron", expr: "0 9 * * funday" }, now)).toThrow(/day of week value "funday"/);
    expect(() => parseCron("5-1 * * * *")).toThrow(/runs backwards/);
  });

  it("normalises good specs", () => {
    expect(validSpec({ kind: "daily", time: "8:05" }, now)).toEqual({ kind: "daily", time: "08:05" });
    expect(validSpec({ kind: "weekly", days: [5, 1, 1], time: "09:00" }, now)).toEqual({ kind: "weekly", days: [1, 5], time: "09:00" });
    expect(validSpec({ kind: "once", at: now + 1500 }, now)).toEqual({ kind: "once", at: now + 2000 });
    expect(validSpec({ kind: "cron", expr: " 0  9 * * 1 " }, now)).toEqual({ kind: "cron", expr: "0 9 * * 1" });
  });
});
