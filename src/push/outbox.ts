import { PUSH_KINDS } from "../shared/push";
import type { PushKind, PushSubscriptionInput } from "../shared/push";
import { errorText } from "../shared/error-text";
import { encryptPush, vapidAuthorization } from "./crypto";
import { fromBase64url } from "../shared/bytes";
import type { VapidKeys } from "./crypto";

/**
 * The owner's push notifications, in the Assistant's SQLite: the browsers
 * they turned notifications on in, the kinds they opted into, and an outbox
 * keyed by event id, so an event (a task result, an approval, an answered
 * email) is sent once however often the code that noticed it runs again.
 * Sending is the one network effect: a POST of an encrypted payload to each
 * endpoint the owner's own browser registered. 404/410 means the browser
 * dropped the subscription: it is removed.
 */
export interface PushEvent {
  id: string;
  kind: PushKind;
  title: string;
  body: string;
  /** Same-origin path the click opens, e.g. /#/chat/<id>. */
  url: string;
}

export class PushOutbox {
  constructor(
    private readonly sql: SqlStorage,
    private readonly keys: () => Promise<VapidKeys>,
    private readonly now: () => number = Date.now
  ) {}

  subscribe(input: PushSubscriptionInput): void {
    const endpoint = checkEndpoint(input.endpoint);
    const p256dh = fromBase64url(input.keys.p256dh);
    const auth = fromBase64url(input.keys.auth);
    if (p256dh.length !== 65 || p256dh[0] !== 4) throw new Error("the subscription's p256dh is not a P-256 public key");
    if (auth.length !== 16) throw new Error("the subscription's auth secret is not 16 bytes");
    this.sql.exec(
      `INSERT INTO steward_push_subscription (endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
      endpoint,
      input.keys.p256dh,
      input.keys.auth,
      this.now()
    );
  }

  unsubscribe(endpoint: string): boolean {
    return this.sql.exec(`DELETE FROM steward_push_subscription WHERE endpoint = ?`, endpoint).rowsWritten > 0;
  }

  endpoints(): string[] {
    return this.sql
      .exec<{ endpoint: string }>(`SELECT endpoint FROM steward_push_subscription ORDER BY created_at`)
      .toArray()
      .map((r) => r.endpoint);
  }

  kinds(): Record<PushKind, boolean> {
    const rows = this.sql.exec<{ kind: string; enabled: number }>(`SELECT kind, enabled FROM steward_push_kind`).toArray();
    const on = new Set(rows.filter((r) => r.enabled).map((r) => r.kind));
    return Object.fromEntries(PUSH_KINDS.map((k) => [k, on.has(k)])) as Record<PushKind, boolean>;
  }

  setKinds(kinds: Partial<Record<string, boolean>>): Record<PushKind, boolean> {
    for (const [kind, enabled] of Object.entries(kinds)) {
      if (!PUSH_KINDS.includes(kind as PushKind)) throw new Error(`unknown notification kind ${JSON.stringify(kind)}; known: ${PUSH_KINDS.join(", ")}`);
      this.sql.exec(
        `INSERT INTO steward_push_kind (kind, enabled) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET enabled = excluded.enabled`,
        kind,
        enabled ? 1 : 0
      );
    }
    return this.kinds();
  }

  /** Queues an event if the owner wants its kind and has a browser subscribed; false when not queued (or already queued once). */
  enqueue(event: PushEvent): boolean {
    if (!this.kinds()[event.kind] || this.endpoints().length === 0) return false;
    return (
      this.sql.exec(
        `INSERT OR IGNORE INTO steward_push_outbox (event_id, kind, title, body, url, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
        event.id,
        event.kind,
        event.title.slice(0, 120),
        event.body.slice(0, 400),
        event.url,
        this.now()
      ).rowsWritten > 0
    );
  }

  /**
   * Sends every queued event to every subscription, once: the row is marked
   * sent before the network, so a concurrent or repeated flush never sends it
   * again (a lost notification is better than a repeated one).
   */
  async flush(send: typeof fetch = fetch): Promise<void> {
    const pending = this.sql
      .exec<{ event_id: string; title: string; body: string; url: string }>(
        `SELECT event_id, title, body, url FROM steward_push_outbox WHERE sent_at IS NULL ORDER BY created_at`
      )
      .toArray();
    if (pending.length === 0) return;
    const keys = await this.keys();
    for (const event of pending) {
      if (this.sql.exec(`UPDATE steward_push_outbox SET sent_at = ? WHERE event_id = ? AND sent_at IS NULL`, this.now(), event.event_id).rowsWritten === 0)
        continue;
      const payload = new TextEncoder().encode(JSON.stringify({ title: event.title, body: event.body, url: event.url, tag: event.event_id }));
      const outcomes: string[] = [];
      const subscriptions = this.sql
        .exec<{ endpoint: string; p256dh: string; auth: string }>(`SELECT endpoint, p256dh, auth FROM steward_push_subscription`)
        .toArray();
      for (const sub of subscriptions) outcomes.push(await this.deliver(send, sub, payload, keys));
      this.sql.exec(`UPDATE steward_push_outbox SET detail = ? WHERE event_id = ?`, outcomes.join("; ").slice(0, 500), event.event_id);
    }
  }

  private async deliver(send: typeof fetch, sub: { endpoint: string; p256dh: string; auth: string }, payload: Uint8Array, keys: VapidKeys): Promise<string> {
    const host = new URL(sub.endpoint).host;
    try {
      const body = await encryptPush(payload, { p256dh: sub.p256dh, auth: sub.auth });
      const response = await send(sub.endpoint, {
        method: "POST",
        headers: {
          Authorization: await vapidAuthorization(sub.endpoint, keys, this.now()),
          "Content-Encoding": "aes128gcm",
          "Content-Type": "application/octet-stream",
          TTL: String(24 * 3600),
          Urgency: "normal"
        },
        body: body as Uint8Array<ArrayBuffer>
      });
      await response.body?.cancel();
      if (response.status === 404 || response.status === 410) {
        this.unsubscribe(sub.endpoint);
        return `${host}: gone (${response.status}), subscription removed`;
      }
      return `${host}: ${response.status}`;
    } catch (error) {
      return `${host}: ${errorText(error)}`;
    }
  }
}

/** An http(s) URL of reasonable length: where the owner's browser said its push service takes messages. */
function checkEndpoint(raw: unknown): string {
  if (typeof raw !== "string" || raw.length > 2048) throw new Error("the subscription endpoint must be a URL of at most 2048 characters");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error("the subscription endpoint is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("the subscription endpoint must be http(s)");
  return url.href;
}
