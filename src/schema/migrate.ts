/**
 * One owner for each database's schema: numbered migrations, applied once and
 * in order, each recorded in the same transaction as its changes, so a crash
 * (or a throwing migration) leaves the database at the previous version.
 */
export interface Migration {
  /** Positive integer; a list is strictly increasing. Never renumber or edit a shipped migration. */
  readonly version: number;
  readonly name: string;
  readonly up: (sql: SqlStorage) => void;
}

/** What the runner needs; a `DurableObjectStorage` (an Agent's, a facet's) has it. */
export type MigrationStorage = Pick<DurableObjectStorage, "sql" | "transactionSync">;

export const MIGRATIONS_TABLE = "steward_schema_migrations";

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: number;
}

export class SchemaError extends Error {
  override name = "SchemaError";
}

/** Runs the migrations this database has not seen; returns the versions it applied now. */
export function migrate(storage: MigrationStorage, migrations: readonly Migration[]): number[] {
  checkList(migrations);
  const { sql } = storage;
  sql.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const current = currentVersion(sql);
  const known = migrations.at(-1)?.version ?? 0;
  if (current > known) {
    // Older code on a newer database could misread (or overwrite) what it does not know about.
    throw new SchemaError(`database schema is at version ${current}, newer than this code knows (${known}); refusing to open it with older code`);
  }
  const recorded = new Set(appliedMigrations(storage).map((m) => m.version));
  const pending = migrations.filter((m) => !recorded.has(m.version));
  const late = pending.find((m) => m.version < current);
  if (late) {
    // A migration slipped in below one already applied would run out of order on upgraded databases only.
    throw new SchemaError(`migration ${late.version} (${late.name}) is below the database's version ${current}; add new migrations at the end`);
  }
  const applied: number[] = [];
  for (const migration of pending) {
    try {
      storage.transactionSync(() => {
        migration.up(sql);
        sql.exec(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`, migration.version, migration.name, Date.now());
      });
    } catch (error) {
      throw new SchemaError(
        `schema migration ${migration.version} (${migration.name}) failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error }
      );
    }
    applied.push(migration.version);
  }
  return applied;
}

/** The versions recorded in this database, oldest first (empty before the first `migrate`). */
export function appliedMigrations(storage: Pick<MigrationStorage, "sql">): AppliedMigration[] {
  const exists = storage.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, MIGRATIONS_TABLE).toArray().length > 0;
  if (!exists) return [];
  return storage.sql
    .exec<{ version: number; name: string; applied_at: number }>(`SELECT version, name, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY version`)
    .toArray()
    .map((r) => ({ version: Number(r.version), name: String(r.name), appliedAt: Number(r.applied_at) }));
}

function currentVersion(sql: SqlStorage): number {
  const row = sql.exec<{ version: number | null }>(`SELECT MAX(version) AS version FROM ${MIGRATIONS_TABLE}`).toArray()[0];
  return Number(row?.version ?? 0);
}

function checkList(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version < 1) {
      throw new SchemaError(`migration version must be a positive integer; got ${String(m.version)} (${m.name})`);
    }
    if (m.version <= previous) {
      throw new SchemaError(`migrations must be strictly increasing; ${m.version} (${m.name}) follows ${previous}`);
    }
    previous = m.version;
  }
}
