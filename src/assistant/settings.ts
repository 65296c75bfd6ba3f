/**
 * Per-user preferences that are not permissions: today the time zone, which
 * schedules and the web app read. Stored as one row per key so new settings
 * need no migration.
 */
import type { UserSettings } from "../shared/views";

export type { UserSettings } from "../shared/views";

export const DEFAULT_SETTINGS: UserSettings = { timeZone: "UTC" };

export class SettingsStore {
  constructor(private readonly sql: SqlStorage) {}

  all(): UserSettings {
    const rows = this.sql.exec<{ key: string; value: string }>(`SELECT key, value FROM steward_setting`).toArray();
    const stored = Object.fromEntries(rows.map((r) => [r.key, r.value]));
    return { timeZone: stored.timeZone ?? DEFAULT_SETTINGS.timeZone };
  }

  /** True once a zone was stored (chosen by the owner, or adopted from their browser on first sign-in). */
  hasTimeZone(): boolean {
    return this.sql.exec(`SELECT 1 FROM steward_setting WHERE key = 'timeZone'`).toArray().length > 0;
  }

  setTimeZone(zone: unknown): UserSettings {
    this.put("timeZone", validTimeZone(zone));
    return this.all();
  }

  private put(key: keyof UserSettings, value: string): void {
    this.sql.exec(`INSERT INTO steward_setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
  }
}

/** Returns the zone's canonical spelling; throws a clear error for anything Intl does not know. */
export function validTimeZone(zone: unknown): string {
  if (typeof zone !== "string" || zone.trim() === "") throw new Error("time zone must be an IANA name such as Europe/Lisbon");
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new Error(`unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Lisbon or America/New_York`);
  }
}
