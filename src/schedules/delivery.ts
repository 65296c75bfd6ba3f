import type { Destination } from "./store";

/**
 * Where a task's result goes. "web" is always available: an unread
 * notification in the Assistant's state, plus the task's session. Other
 * channels plug in through `EmailSender`; until one is wired, email falls back
 * to web with a note saying so.
 */
export interface EmailSender {
  /** `key` is the run's occurrence key: a sender must send at most once per key. */
  send(message: { key: string; subject: string; text: string }): Promise<void>;
}

export interface DeliveryPlan {
  /** What actually carries it. */
  channel: Destination;
  /** Shown with the notification when the requested channel was not used. */
  note?: string;
}

export function planDelivery(requested: Destination, email: EmailSender | null): DeliveryPlan {
  if (requested === "email" && !email) {
    return { channel: "web", note: "Email delivery is not available (no verified owner address or no EMAIL binding), so this result is here instead." };
  }
  return { channel: requested };
}

/** The reply a quiet task gives when there is nothing worth telling the owner. */
export const NOTHING_TO_REPORT = "NOTHING_TO_REPORT";

export function isNothingToReport(text: string): boolean {
  const bare = text.trim().replace(/[\s.!`*"']/g, "");
  return bare === "" || bare === NOTHING_TO_REPORT;
}
