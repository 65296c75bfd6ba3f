/**
 * Steward's service worker (built to /sw.js, scope /). Two jobs:
 *
 * - The app shell opens offline: navigations go to the network first and fall
 *   back to the cached page; the hashed bundles under /assets/ and the icons
 *   are served from the cache once seen. The page then says it is offline.
 *   Nothing else is touched: /api/* (files, identity), /agent* (the agent's
 *   WebSockets, which a service worker never sees anyway) and /cdn-cgi/*
 *   (Access) always go to the network and are never stored.
 * - Web Push: a notification for each push (the Worker encrypted it for this
 *   browser, src/push), and a click opens the chat it is about.
 *
 * The types are local: this file is compiled with the DOM library, which has
 * no ServiceWorkerGlobalScope.
 */
import { PWA_FILES } from "./manifest";

interface WaitEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchRequestEvent extends WaitEvent {
  request: Request;
  respondWith(response: Promise<Response> | Response): void;
}
interface PushMessageEvent extends WaitEvent {
  data: { json(): unknown; text(): string } | null;
}
interface NotificationClickEvent extends WaitEvent {
  notification: Notification & { close(): void };
}
interface MessageFromPage extends WaitEvent {
  data: unknown;
}
interface SwWindowClient {
  url: string;
  focus(): Promise<SwWindowClient>;
  navigate(url: string): Promise<SwWindowClient | null>;
  postMessage(message: unknown): void;
}
interface SwScope {
  location: Location;
  registration: ServiceWorkerRegistration;
  clients: {
    matchAll(options: { type: "window"; includeUncontrolled: boolean }): Promise<SwWindowClient[]>;
    openWindow(url: string): Promise<SwWindowClient | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: WaitEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchRequestEvent) => void): void;
  addEventListener(type: "push", listener: (event: PushMessageEvent) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationClickEvent) => void): void;
  addEventListener(type: "message", listener: (event: MessageFromPage) => void): void;
}

const sw = self as unknown as SwScope;
const SHELL_CACHE = "steward-shell-v1";
const SHELL = "/";

/** Never served from or stored in the cache: the agent, the API, Access. */
function bypassesCache(url: URL, origin: string): boolean {
  if (url.origin !== origin) return true;
  const path = url.pathname;
  return path === "/agent" || path.startsWith("/agent/") || path.startsWith("/api/") || path.startsWith("/agents/") || path.startsWith("/cdn-cgi/");
}

sw.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => sw.skipWaiting()));
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => sw.clients.claim())
  );
});

/** The page and everything it loads (its hashed bundles are named in it), plus the manifest and icons. */
async function cacheShell(): Promise<void> {
  const cache = await caches.open(SHELL_CACHE);
  const page = await fetch(SHELL, { cache: "reload" });
  if (!storable(page)) return; // signed out (Access redirect) or down: nothing worth keeping yet
  const html = await page.clone().text();
  await cache.put(SHELL, page);
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? "");
  await cache.addAll([...new Set([...assets, ...PWA_FILES])]);
}

function storable(response: Response): boolean {
  return response.ok && response.type === "basic" && !response.redirected;
}

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.headers.get("Upgrade")) return;
  const url = new URL(request.url);
  if (bypassesCache(url, sw.location.origin)) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirstShell(request));
    return;
  }
  if (url.pathname.startsWith("/assets/") || (PWA_FILES as readonly string[]).includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});

/** A navigation: the fresh page when online (kept for later), the cached one when not. */
async function networkFirstShell(request: Request): Promise<Response> {
  try {
    const response = await fetch(request);
    if (storable(response)) {
      const copy = response.clone();
      void caches.open(SHELL_CACHE).then((cache) => cache.put(SHELL, copy));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(SHELL);
    if (cached) return cached;
    throw error;
  }
}

/** Hashed bundles never change under a name; icons rarely. */
async function cacheFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (storable(response)) {
    const copy = response.clone();
    void caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

// ── Web Push ──

/** What the Worker sends (src/push/payload.ts); anything else is shown as plain text. */
interface PushPayload {
  title: string;
  body: string;
  /** Same-origin path, e.g. /#/chat/<id>. */
  url: string;
  tag?: string;
}

function readPayload(data: PushMessageEvent["data"]): PushPayload {
  if (!data) return { title: "Steward", body: "", url: "/" };
  try {
    const value = data.json() as Partial<PushPayload>;
    return {
      title: typeof value.title === "string" ? value.title : "Steward",
      body: typeof value.body === "string" ? value.body : "",
      url: typeof value.url === "string" && value.url.startsWith("/") && !value.url.startsWith("//") ? value.url : "/",
      tag: typeof value.tag === "string" ? value.tag : undefined
    };
  } catch {
    return { title: "Steward", body: data.text(), url: "/" };
  }
}

sw.addEventListener("push", (event) => {
  const payload = readPayload(event.data);
  // Shown as plain text by the OS: nothing in a notification is markup.
  event.waitUntil(sw.registration.showNotification(payload.title, { body: payload.body, tag: payload.tag, data: { url: payload.url }, icon: "/icon-192.png" }));
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  event.waitUntil(openApp(typeof data?.url === "string" ? data.url : "/"));
});

/**
 * The click's work, also reachable by a message from the page: headless
 * Chromium (the e2e tests) cannot click an OS notification, so the test
 * asks the worker to do what a click does.
 */
sw.addEventListener("message", (event) => {
  const data = event.data as { type?: unknown; url?: unknown } | null;
  if (data?.type === "steward:notification-click" && typeof data.url === "string") event.waitUntil(openApp(data.url));
});

/** Focuses an open Steward window on the chat (or opens one). Only same-origin paths are opened. */
async function openApp(path: string): Promise<void> {
  const target = new URL(path.startsWith("/") && !path.startsWith("//") ? path : "/", sw.location.origin).href;
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows[0];
  if (open) {
    await open.focus().catch(() => open);
    // A hash change is enough for the app's router; navigate() needs a controlled client, postMessage does not.
    open.postMessage({ type: "steward:open", url: target });
    return;
  }
  await sw.clients.openWindow(target);
}
