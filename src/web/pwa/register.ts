/**
 * Registers the service worker (src/web/pwa/sw.ts → /sw.js) in the built
 * app, and follows its "open this chat" messages (a notification click while
 * the app is open). Only same-origin URLs are followed.
 */
export function registerServiceWorker(): void {
  // Not under Vite's dev server (import.meta.hot), whose modules are not a shell to cache. (Not
  // import.meta.env.PROD: builds made with NODE_ENV=test, as the e2e tests' is, report false.)
  if (import.meta.hot || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event: MessageEvent) => {
    const data = event.data as { type?: unknown; url?: unknown } | null;
    if (data?.type !== "steward:open" || typeof data.url !== "string") return;
    const url = new URL(data.url, location.origin);
    if (url.origin === location.origin) location.assign(url.href);
  });
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error: unknown) => {
      console.warn("Steward: the service worker did not register; the app will not open offline.", error);
    });
  });
}
