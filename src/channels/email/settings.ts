import { normalizeAddress } from "./address";
import { isWholeNumber } from "../../util/whole-number";
import type { EmailSettings, UnknownSenderPolicy } from "../../shared/views";

export type { EmailSettings, UnknownSenderPolicy } from "../../shared/views";

/**
 * Who may command the agent by mail, who may receive mail from it without
 * approval, and what happens to everyone else. Kept in the user's Assistant.
 */
export type SenderClass = "owner" | "allowed" | "hold" | "refuse";

type ListKind = "owner" | "sender" | "recipient";
export const DEFAULT_SEND_LIMIT = 20;

export class EmailSettingsStore {
  constructor(private readonly sql: SqlStorage) {}

  all(address: string): EmailSettings {
    return {
      address,
      ownerAddresses: this.list("owner"),
      allowedSenders: this.list("sender"),
      unknownSenders: this.option("unknownSenders") === "hold" ? "hold" : "refuse",
      allowedRecipients: this.list("recipient"),
      sendLimitPerHour: Number(this.option("sendLimitPerHour") ?? DEFAULT_SEND_LIMIT)
    };
  }

  ownerAddresses(): string[] {
    return this.list("owner");
  }

  addOwnerAddress(address: unknown): void {
    this.add("owner", normalizeAddress(address));
  }

  /** The owner takes back one of their addresses (e.g. a typo); false when it was not on the list. */
  removeOwnerAddress(address: unknown): boolean {
    const entry = normalizeAddress(address);
    if (!this.list("owner").includes(entry)) return false;
    this.sql.exec(`DELETE FROM steward_email_list WHERE kind = 'owner' AND entry = ?`, entry);
    return true;
  }

  setAllowedSenders(entries: unknown): void {
    this.replace("sender", validEntries(entries, "allowed senders", true));
  }

  setAllowedRecipients(entries: unknown): void {
    this.replace("recipient", validEntries(entries, "allowed recipients", false));
  }

  setUnknownSenders(policy: unknown): void {
    if (policy !== "refuse" && policy !== "hold") throw new Error('unknown senders must be "refuse" or "hold"');
    this.setOption("unknownSenders", policy);
  }

  setSendLimit(limit: unknown): void {
    if (!isWholeNumber(limit, 0, 1000)) throw new Error("send limit must be a whole number from 0 to 1000 per hour");
    this.setOption("sendLimitPerHour", String(limit));
  }

  classify(sender: string): SenderClass {
    const address = sender.toLowerCase();
    if (this.list("owner").includes(address)) return "owner";
    const domain = address.slice(address.lastIndexOf("@"));
    const allowed = this.list("sender");
    if (allowed.includes(address) || allowed.includes(domain)) return "allowed";
    return this.option("unknownSenders") === "hold" ? "hold" : "refuse";
  }

  /** Recipients send_email may use without the owner's approval. */
  mayReceive(recipient: string): boolean {
    const address = recipient.toLowerCase();
    return this.list("owner").includes(address) || this.list("recipient").includes(address);
  }

  private list(kind: ListKind): string[] {
    return this.sql
      .exec<{ entry: string }>(`SELECT entry FROM steward_email_list WHERE kind = ? ORDER BY entry`, kind)
      .toArray()
      .map((r) => r.entry);
  }

  private add(kind: ListKind, entry: string): void {
    this.sql.exec(`INSERT OR IGNORE INTO steward_email_list (kind, entry, added_at) VALUES (?, ?, ?)`, kind, entry, Date.now());
  }

  private replace(kind: ListKind, entries: string[]): void {
    this.sql.exec(`DELETE FROM steward_email_list WHERE kind = ?`, kind);
    for (const entry of entries) this.add(kind, entry);
  }

  private option(key: string): string | undefined {
    return this.sql.exec<{ value: string }>(`SELECT value FROM steward_email_option WHERE key = ?`, key).toArray()[0]?.value;
  }

  private setOption(key: string, value: string): void {
    this.sql.exec(`INSERT INTO steward_email_option (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
  }
}

/** Validates the whole list first, so a bad entry changes nothing. */
function validEntries(entries: unknown, what: string, domainsAllowed: boolean): string[] {
  if (!Array.isArray(entries)) throw new Error(`${what} must be a list of email addresses`);
  if (entries.length > 200) throw new Error(`${what}: at most 200 entries`);
  return [
    ...new Set(
      entries.map((entry) => {
        if (domainsAllowed && typeof entry === "string" && /^@[a-z0-9.-]+\.[a-z0-9-]+$/i.test(entry.trim())) return entry.trim().toLowerCase();
        return normalizeAddress(entry);
      })
    )
  ];
}
