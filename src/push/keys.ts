import type { VapidKeys } from "./crypto";
import { emailDirectory } from "../channels/email/directory";

/**
 * The application server's VAPID keys: from VAPID_PUBLIC_KEY /
 * VAPID_PRIVATE_KEY / VAPID_SUBJECT (vars and a secret) in production, else
 * the one pair the EmailDirectory singleton generated for this deployment.
 * One pair for the whole Worker, not one per user: it is the server's identity
 * to the push services, and a browser's subscription is bound to it.
 */
export async function vapidKeys(env: Env): Promise<VapidKeys> {
  const subject = env.VAPID_SUBJECT?.trim() || "mailto:steward@localhost";
  if (env.VAPID_PUBLIC_KEY?.trim() && env.VAPID_PRIVATE_KEY?.trim()) {
    return { publicKey: env.VAPID_PUBLIC_KEY.trim(), privateKey: env.VAPID_PRIVATE_KEY.trim(), subject };
  }
  return { ...(await emailDirectory(env).vapidKeyPair()), subject };
}
