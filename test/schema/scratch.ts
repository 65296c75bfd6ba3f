import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { MIGRATIONS_TABLE } from "../../src/schema/migrate";

/**
 * A real Durable Object SQLite with nothing of ours in it: a fresh
 * EmailDirectory (the lightest class we have) whose own tables, created by
 * its constructor's migrations, are dropped before `fn` runs.
 */
export async function withEmptyStorage<T>(fn: (storage: DurableObjectStorage) => T | Promise<T>): Promise<T> {
  const stub = env.EMAIL_DIRECTORY.get(env.EMAIL_DIRECTORY.idFromName(`schema-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => {
    for (const table of ["address", "address_key", MIGRATIONS_TABLE]) state.storage.sql.exec(`DROP TABLE IF EXISTS ${table}`);
    return fn(state.storage);
  });
}

export function tableNames(sql: SqlStorage, like = "%"): string[] {
  return sql
    .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\' ORDER BY name`, like)
    .toArray()
    .map((r) => r.name);
}
