import { DurableObject } from "cloudflare:workers";
import { localPartFor } from "./address";
import { migrateDirectory } from "../../schema";
import { generateVapidKeys } from "../../push/crypto";

/**
 * One instance ("directory") maps agent addresses to users. It holds the HMAC
 * key that makes addresses unguessable (generated on first use, never
 * returned) and the only table that can turn an address into a user id.
 */
export class EmailDirectory extends DurableObject<Env> {
  #key?: CryptoKey;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateDirectory(ctx.storage);
  }

  /** The user's local part, registered on first call; stable afterwards. */
  async addressFor(userId: string): Promise<string> {
    if (typeof userId !== "string" || !userId) throw new Error("user id required");
    const existing = this.ctx.storage.sql.exec<{ local: string }>(`SELECT local FROM address WHERE user_id = ?`, userId).toArray()[0];
    if (existing) return existing.local;
    const local = await localPartFor(await this.key(), userId);
    const holder = this.userFor(local);
    // 120 bits make this practically impossible; refusing keeps it impossible in fact.
    if (holder && holder !== userId) throw new Error("address collision; refusing to share an address between users");
    this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO address (local, user_id, created_at) VALUES (?, ?, ?)`, local, userId, Date.now());
    return local;
  }

  /** The user deleted their agent: their address stops routing anywhere (src/export/delete.ts). */
  forget(userId: string): boolean {
    return this.ctx.storage.sql.exec(`DELETE FROM address WHERE user_id = ?`, userId).rowsWritten > 0;
  }

  /**
   * Web push (src/push/keys.ts): the deployment's one VAPID key pair when no
   * VAPID_* vars are set (local dev), generated once. Worker-wide like this
   * directory, so every user's subscriptions share one application server key,
   * as with the vars in production.
   */
  async vapidKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
    const row = this.ctx.storage.sql
      .exec<{ public_key: string; private_key: string }>(`SELECT public_key, private_key FROM vapid_key WHERE id = 1`)
      .toArray()[0];
    if (row) return { publicKey: row.public_key, privateKey: row.private_key };
    const made = await generateVapidKeys("mailto:steward@localhost");
    this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO vapid_key (id, public_key, private_key) VALUES (1, ?, ?)`, made.publicKey, made.privateKey);
    return this.vapidKeyPair();
  }

  userFor(local: string): string | null {
    const row = this.ctx.storage.sql.exec<{ user_id: string }>(`SELECT user_id FROM address WHERE local = ?`, String(local).toLowerCase()).toArray()[0];
    return row?.user_id ?? null;
  }

  private async key(): Promise<CryptoKey> {
    if (this.#key) return this.#key;
    let row = this.ctx.storage.sql.exec<{ secret: ArrayBuffer }>(`SELECT secret FROM address_key WHERE id = 1`).toArray()[0];
    if (!row) {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      this.ctx.storage.sql.exec(`INSERT INTO address_key (id, secret) VALUES (1, ?)`, secret);
      row = { secret: secret.buffer };
    }
    this.#key = await crypto.subtle.importKey("raw", row.secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return this.#key;
  }
}

export function emailDirectory(env: Env): DurableObjectStub<EmailDirectory> {
  return env.EMAIL_DIRECTORY.get(env.EMAIL_DIRECTORY.idFromName("directory"));
}
