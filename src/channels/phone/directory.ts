import { DurableObject } from "cloudflare:workers";
import { migratePhoneDirectory } from "../../schema";
import { normalizeNumber } from "./numbers";

/** A media stream must connect this soon after its webhook answered. */
const TOKEN_TTL_MS = 2 * 60_000;
/** Numbers one owner may add. */
const MAX_NUMBERS = 10;

/**
 * One instance ("directory") maps the owners' phone numbers to users (like
 * src/channels/email/directory.ts for addresses) and binds each media stream
 * to the webhook that answered its call with a one-time token.
 */
export class PhoneDirectory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migratePhoneDirectory(ctx.storage);
  }

  numbersOf(userId: string): string[] {
    return this.ctx.storage.sql
      .exec<{ number: string }>(`SELECT number FROM phone_number WHERE user_id = ? ORDER BY added_at`, userId)
      .toArray()
      .map((r) => r.number);
  }

  addNumber(userId: string, input: string): string[] {
    const number = normalizeNumber(input);
    if (!number) throw new Error('a phone number in international form is required, e.g. "+14155550100"');
    const holder = this.userFor(number);
    if (holder && holder !== userId) throw new Error("that number is already registered to another account");
    if (!holder && this.numbersOf(userId).length >= MAX_NUMBERS) throw new Error(`at most ${MAX_NUMBERS} phone numbers per account`);
    this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO phone_number (number, user_id, added_at) VALUES (?, ?, ?)`, number, userId, Date.now());
    return this.numbersOf(userId);
  }

  removeNumber(userId: string, input: string): string[] {
    const number = normalizeNumber(input);
    if (number) this.ctx.storage.sql.exec(`DELETE FROM phone_number WHERE number = ? AND user_id = ?`, number, userId);
    return this.numbersOf(userId);
  }

  userFor(number: string): string | null {
    const row = this.ctx.storage.sql.exec<{ user_id: string }>(`SELECT user_id FROM phone_number WHERE number = ?`, number).toArray()[0];
    return row?.user_id ?? null;
  }

  issueToken(userId: string, session: string): string {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const token = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    const now = Date.now();
    this.ctx.storage.sql.exec(`DELETE FROM phone_token WHERE expires_at < ?`, now - TOKEN_TTL_MS);
    this.ctx.storage.sql.exec(`INSERT INTO phone_token (token, user_id, session, expires_at) VALUES (?, ?, ?, ?)`, token, userId, session, now + TOKEN_TTL_MS);
    return token;
  }

  /** The call a token was issued for, once: a replayed or expired token gets null. */
  consumeToken(token: string): { userId: string; session: string } | null {
    const row = this.ctx.storage.sql
      .exec<{ user_id: string; session: string; expires_at: number; used_at: number | null }>(
        `SELECT user_id, session, expires_at, used_at FROM phone_token WHERE token = ?`,
        String(token)
      )
      .toArray()[0];
    if (!row || row.used_at !== null || row.expires_at < Date.now()) return null;
    this.ctx.storage.sql.exec(`UPDATE phone_token SET used_at = ? WHERE token = ?`, Date.now(), token);
    return { userId: row.user_id, session: row.session };
  }
}

export function phoneDirectory(env: Env): DurableObjectStub<PhoneDirectory> {
  return env.PHONE_DIRECTORY.get(env.PHONE_DIRECTORY.idFromName("directory"));
}
