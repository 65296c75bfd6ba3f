import { useEffect, useState } from "react";

/** The browser's own idea of being online (navigator.onLine and its events). */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

/** Said instead of "reconnecting…" when the device itself is offline (the app shell came from the service worker). */
export function OfflineBanner() {
  return (
    <p className="banner offline" role="status">
      You are offline. Steward needs a connection to reach your agent; your chats come back when you are online.
    </p>
  );
}
