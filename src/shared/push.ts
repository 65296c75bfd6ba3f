/** What the owner may be notified about by web push (each opted into in Settings). */
export const PUSH_KINDS = ["task", "approval", "email"] as const;
export type PushKind = (typeof PUSH_KINDS)[number];

export const PUSH_KIND_LABELS: Record<PushKind, string> = {
  task: "A scheduled task has a result",
  approval: "Background work (a task, an email) waits for your approval",
  email: "An email thread was answered"
};

export interface PushSettings {
  /** The application server key for PushManager.subscribe (base64url). */
  publicKey: string;
  kinds: Record<PushKind, boolean>;
  /** Endpoints subscribed (this browser's is among them when it is on). */
  endpoints: string[];
}

/** What PushSubscription.toJSON() gives. */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}
