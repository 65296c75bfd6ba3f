import { useEffect, useState } from "react";
import { PUSH_KINDS, PUSH_KIND_LABELS } from "../../shared/push";
import type { PushKind, PushSettings, PushSubscriptionInput } from "../../shared/push";
import { errorText } from "../../shared/error-text";
import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";
import { fromBase64url } from "../../shared/bytes";

/**
 * Web push on this device: the browser subscribes with the agent's
 * application server key, and the subscription (its endpoint and keys) is
 * stored with the agent; each kind is opted into here. A click on a
 * notification opens the chat it is about (src/web/pwa/sw.ts).
 */
export function NotificationsSection({ directory, link }: SettingsSectionProps) {
  const { value: settings, problem, run } = useLoaded(link, () => directory.call("getPushSettings", []));
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  useEffect(() => {
    if (!supported) return;
    void navigator.serviceWorker.ready.then((r) => r.pushManager.getSubscription()).then((s) => setEndpoint(s?.endpoint ?? null));
  }, [supported]);

  const on = Boolean(settings && endpoint && settings.endpoints.includes(endpoint));

  const turnOn = async () => {
    if (!settings) return;
    setBusy(true);
    setNote(null);
    try {
      if ((await Notification.requestPermission()) !== "granted") throw new Error("the browser did not allow notifications (see its site settings)");
      const registration = await navigator.serviceWorker.ready;
      const subscription =
        (await registration.pushManager.getSubscription()) ??
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(settings.publicKey) }));
      const kinds = Object.values(settings.kinds).some(Boolean) ? settings.kinds : allKinds();
      await run(() => directory.call("subscribePush", [subscription.toJSON() as PushSubscriptionInput, kinds]));
      setEndpoint(subscription.endpoint);
    } catch (error) {
      setNote(`Notifications are not on: ${errorText(error)}`);
    } finally {
      setBusy(false);
    }
  };

  const turnOff = async () => {
    if (!endpoint) return;
    setBusy(true);
    const registration = await navigator.serviceWorker.ready;
    await (await registration.pushManager.getSubscription())?.unsubscribe().catch(() => false);
    await run(() => directory.call("unsubscribePush", [endpoint]));
    setEndpoint(null);
    setBusy(false);
  };

  if (!supported)
    return <p className="muted">This browser cannot receive notifications from web apps (on iPhone and iPad, add Steward to the Home Screen first).</p>;
  return (
    <div className="notifications">
      <p>
        {on ? "Notifications are on for this device." : "Notifications are off for this device."}{" "}
        <button type="button" disabled={!settings || busy || link !== "open"} onClick={() => void (on ? turnOff() : turnOn())}>
          {on ? "Turn off on this device" : "Turn on notifications on this device"}
        </button>
      </p>
      <fieldset disabled={!settings || link !== "open"}>
        <legend>Notify me when</legend>
        {PUSH_KINDS.map((kind) => (
          <label key={kind} className="checkbox">
            <input
              type="checkbox"
              checked={settings?.kinds[kind] ?? false}
              onChange={(e) => void run(() => directory.call("setPushKinds", [{ [kind]: e.target.checked }]))}
            />{" "}
            {PUSH_KIND_LABELS[kind]}
          </label>
        ))}
      </fieldset>
      {settings && settings.endpoints.length > 0 && <p className="muted">{devices(settings)}</p>}
      {(note ?? problem) && (
        <p className="problem" role="alert">
          {note ?? problem}
        </p>
      )}
    </div>
  );
}

function allKinds(): Record<PushKind, boolean> {
  return Object.fromEntries(PUSH_KINDS.map((k) => [k, true])) as Record<PushKind, boolean>;
}

function devices(settings: PushSettings): string {
  const n = settings.endpoints.length;
  return n === 1 ? "1 device receives notifications." : `${n} devices receive notifications.`;
}
