import { describe, expect, it } from "vitest";
import { MIGRATIONS_TABLE, SchemaError, appliedMigrations, migrate } from "../../src/schema/migrate";
import type { Migration } from "../../src/schema/migrate";
import { tableNames, withEmptyStorage } from "./scratch";

/** Migrations that create t_<version>, noting the order they ran in and how often each ran. */
function counted(versions: number[]): { migrations: Migration[]; runs: Map<number, number>; order: number[] } {
  const runs = new Map<number, number>();
  const order: number[] = [];
  const migrations = versions.map((version) => ({
    version,
    name: `table ${version}`,
    up(sql: SqlStorage) {
      runs.set(version, (runs.get(version) ?? 0) + 1);
      order.push(version);
      sql.exec(`CREATE TABLE t_${version} (id INTEGER PRIMARY KEY)`);
    }
  }));
  return { migrations, runs, order };
}

describe("migrate", () => {
  it("runs pending migrations once, in order, and records each", async () => {
    await withEmptyStorage((storage) => {
      const { migrations, runs, order } = counted([1, 2, 5]);

      expect(migrate(storage, migrations)).toEqual([1, 2, 5]);
      expect(order).toEqual([1, 2, 5]);
      expect(tableNames(storage.sql, "t\\_%")).toEqual(["t_1", "t_2", "t_5"]);
      const applied = appliedMigrations(storage);
      expect(applied.map((m) => [m.version, m.name])).toEqual([
        [1, "table 1"],
        [2, "table 2"],
        [5, "table 5"]
      ]);
      for (const m of applied) expect(m.appliedAt).toBeGreaterThan(0);

      // Second start-up: nothing to do.
      expect(migrate(storage, migrations)).toEqual([]);
      expect([...runs.values()]).toEqual([1, 1, 1]);
      expect(appliedMigrations(storage)).toEqual(applied);
    });
  });

  it("runs only the migrations added since the last start-up", async () => {
    await withEmptyStorage((storage) => {
      const first = counted([1]);
      migrate(storage, first.migrations);
      const later = counted([1, 2, 3]);
      expect(migrate(storage, later.migrations)).toEqual([2, 3]);
      expect(later.runs.get(1)).toBeUndefined();
      expect(appliedMigrations(storage).map((m) => m.version)).toEqual([1, 2, 3]);
    });
  });

  it("rolls back a failing migration and records nothing for it; the ones before it stay", async () => {
    await withEmptyStorage((storage) => {
      const broken: Migration[] = [
        ...counted([1]).migrations,
        {
          version: 2,
          name: "half done",
          up(sql) {
            sql.exec(`CREATE TABLE t_2 (id INTEGER PRIMARY KEY)`);
            sql.exec(`INSERT INTO t_1 (id) VALUES (42)`);
            sql.exec(`INSERT INTO no_such_table (id) VALUES (1)`);
          }
        },
        ...counted([3]).migrations
      ];
      expect(() => migrate(storage, broken)).toThrow(SchemaError);
      expect(() => migrate(storage, broken)).toThrow(/migration 2 \(half done\) failed and was rolled back: .*no_such_table/);

      expect(appliedMigrations(storage).map((m) => m.version)).toEqual([1]);
      expect(tableNames(storage.sql, "t\\_%")).toEqual(["t_1"]);
      expect(storage.sql.exec(`SELECT count(*) AS n FROM t_1`).one().n).toBe(0);

      // Fixed, it runs on the next start-up, followed by the rest.
      expect(migrate(storage, counted([1, 2, 3]).migrations)).toEqual([2, 3]);
      expect(appliedMigrations(storage).map((m) => m.version)).toEqual([1, 2, 3]);
    });
  });

  it("refuses a database newer than the code, changing nothing", async () => {
    await withEmptyStorage((storage) => {
      migrate(storage, counted([1, 2, 3]).migrations);
      const older = counted([1, 2]);
      expect(() => migrate(storage, older.migrations)).toThrow(
        "database schema is at version 3, newer than this code knows (2); refusing to open it with older code"
      );
      expect(older.runs.size).toBe(0);
      expect(appliedMigrations(storage).map((m) => m.version)).toEqual([1, 2, 3]);
      // Code with no migrations at all cannot open it either.
      expect(() => migrate(storage, [])).toThrow(/newer than this code knows \(0\)/);
    });
  });

  it("refuses a migration list that is not strictly increasing, before touching the database", async () => {
    await withEmptyStorage((storage) => {
      expect(() => migrate(storage, counted([1, 3, 2]).migrations)).toThrow("migrations must be strictly increasing; 2 (table 2) follows 3");
      expect(() => migrate(storage, counted([1, 1]).migrations)).toThrow(/strictly increasing; 1 \(table 1\) follows 1/);
      expect(() => migrate(storage, counted([0]).migrations)).toThrow(/positive integer; got 0/);
      expect(() => migrate(storage, counted([1.5]).migrations)).toThrow(/positive integer; got 1.5/);
      expect(tableNames(storage.sql, MIGRATIONS_TABLE)).toEqual([]);
      expect(tableNames(storage.sql, "t\\_%")).toEqual([]);
    });
  });

  it("refuses a migration added below the database's version (it would run out of order)", async () => {
    await withEmptyStorage((storage) => {
      migrate(storage, counted([1, 3]).migrations);
      const inserted = counted([1, 2, 3]);
      expect(() => migrate(storage, inserted.migrations)).toThrow("migration 2 (table 2) is below the database's version 3; add new migrations at the end");
      expect(inserted.runs.size).toBe(0);
    });
  });
});
