import type { Browser } from "agents/browser";
import { PAGE_TO_MARKDOWN } from "./page-markdown";

/**
 * Tier 3: a real Chromium through Browser Run (locally, Debian's Chromium via
 * the BROWSER binding; see scripts/setup-chromium.mjs). One `Browser` per
 * user lives on the Assistant and stays open between calls; each
 * conversation drives its own tab (its `scope`), so cookies and logins carry
 * over while a task runs. Every action is plain CDP sent from this side; the
 * model never writes browser code.
 */
export const SCREENSHOT_DIR = "/workspace/screenshots";
export const BROWSER_KEEP_ALIVE_MS = 10 * 60_000;
const LOAD_TIMEOUT_MS = 15_000;
const MAX_MARKDOWN_CHARS = 40_000;
const MAX_EXTRACT_ITEMS = 200;

export type BrowserAction =
  | { kind: "read"; url?: string }
  | { kind: "extract"; selector: string; attribute?: string; url?: string }
  | { kind: "click"; selector: string }
  | { kind: "fill"; selector: string; value: string; submit?: boolean }
  | { kind: "screenshot"; url?: string; fullPage?: boolean };

export interface BrowserResult {
  ok: boolean;
  url: string;
  title: string;
  text: string;
  /** Workspace path of a screenshot. */
  path?: string;
  items?: string[];
}

/** http(s) only: the browser must not open file:, data:, javascript: or chrome: URLs for the model. */
export function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`"${raw}" is not a URL; give a full address such as https://example.com/`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`Only http and https pages can be opened; "${url.protocol}" URLs are refused.`);
  }
  return url.href;
}

/** Writes screenshots; the Assistant passes its workspace. */
export interface ScreenshotSink {
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  mkdir(path: string): Promise<void>;
}

type Send = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

export async function runBrowserAction(
  browser: Browser,
  scope: string,
  action: BrowserAction,
  sink: ScreenshotSink
): Promise<BrowserResult> {
  const session = browser.session({ scope, maxResultBytes: 8_000_000 });
  const send: Send = (method, params) => session.send({ method, params, sessionId: "active", timeoutMs: LOAD_TIMEOUT_MS });
  try {
    if ("url" in action && action.url) await navigate(send, checkUrl(action.url));
    switch (action.kind) {
      case "read": {
        const page = await evaluate<{ markdown: string; title: string; url: string }>(send, `(${PAGE_TO_MARKDOWN})()`);
        const cut = page.markdown.length > MAX_MARKDOWN_CHARS;
        const markdown = cut ? `${page.markdown.slice(0, MAX_MARKDOWN_CHARS)}\n\n[… cut at ${MAX_MARKDOWN_CHARS} characters]` : page.markdown;
        return { ok: true, url: page.url, title: page.title, text: markdown };
      }
      case "extract": {
        const found = await evaluate<string[] | null>(
          send,
          `(() => { const els = [...document.querySelectorAll(${JSON.stringify(action.selector)})].slice(0, ${MAX_EXTRACT_ITEMS});
             const attr = ${JSON.stringify(action.attribute ?? null)};
             return els.map((el) => attr ? (el.getAttribute(attr) ?? "") : (el.innerText ?? el.textContent ?? "").trim()); })()`
        );
        const items = found ?? [];
        const where = await location(send);
        const text = items.length ? items.map((item, i) => `${i + 1}. ${item}`).join("\n") : `Nothing on the page matches ${action.selector}.`;
        return { ok: items.length > 0, ...where, text, items };
      }
      case "click": {
        const clicked = await evaluate<{ ok: boolean; label?: string }>(
          send,
          `(() => { const el = document.querySelector(${JSON.stringify(action.selector)});
             if (!el) return { ok: false };
             el.scrollIntoView({ block: "center" }); el.click();
             return { ok: true, label: (el.innerText || el.getAttribute("aria-label") || el.tagName).trim().slice(0, 80) }; })()`
        );
        if (!clicked.ok) return { ok: false, ...(await location(send)), text: `Nothing on the page matches ${action.selector}; nothing was clicked.` };
        await settle(send);
        const where = await location(send);
        return { ok: true, ...where, text: `Clicked "${clicked.label ?? action.selector}". Now on ${where.url} (${where.title}).` };
      }
      case "fill": {
        const focused = await evaluate<boolean>(
          send,
          `(() => { const el = document.querySelector(${JSON.stringify(action.selector)});
             if (!el || !("value" in el)) return false;
             el.focus(); el.value = ""; el.dispatchEvent(new Event("input", { bubbles: true })); return true; })()`
        );
        if (!focused) return { ok: false, ...(await location(send)), text: `No input matches ${action.selector}; nothing was filled.` };
        // Typed through the input pipeline, so the page sees real input events.
        await send("Input.insertText", { text: action.value });
        if (action.submit) {
          await evaluate<boolean>(
            send,
            `(() => { const el = document.querySelector(${JSON.stringify(action.selector)}); const form = el && el.form;
               if (form) { form.requestSubmit(); return true; } return false; })()`
          );
          await settle(send);
        }
        const where = await location(send);
        return { ok: true, ...where, text: `Filled ${action.selector}${action.submit ? " and submitted the form" : ""}. Now on ${where.url}.` };
      }
      case "screenshot": {
        const shot = (await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: action.fullPage ?? false })) as {
          data?: string;
        };
        if (!shot.data) throw new Error("the browser returned no screenshot");
        const bytes = Uint8Array.from(atob(shot.data), (c) => c.charCodeAt(0));
        const where = await location(send);
        const path = `${SCREENSHOT_DIR}/${screenshotName(where.url)}`;
        await sink.mkdir(SCREENSHOT_DIR);
        await sink.writeFile(path, bytes);
        return { ok: true, ...where, path, text: `Saved a screenshot of ${where.url} to ${path} (${bytes.length} bytes).` };
      }
    }
  } finally {
    await session.close();
  }
}

async function navigate(send: Send, url: string): Promise<void> {
  const result = (await send("Page.navigate", { url })) as { errorText?: string };
  if (result.errorText) throw new Error(`The browser could not open ${url}: ${result.errorText}`);
  await settle(send);
}

/** Waits for the document to finish loading (or LOAD_TIMEOUT_MS). */
async function settle(send: Send): Promise<void> {
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  await new Promise((resolve) => setTimeout(resolve, 50));
  while (Date.now() < deadline) {
    const state = await evaluate<string>(send, "document.readyState").catch(() => "loading");
    if (state === "complete") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function location(send: Send): Promise<{ url: string; title: string }> {
  return evaluate<{ url: string; title: string }>(send, "({ url: location.href, title: document.title })");
}

async function evaluate<T>(send: Send, expression: string): Promise<T> {
  const reply = (await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })) as {
    result?: { value?: unknown };
    exceptionDetails?: { text?: string; exception?: { description?: string } };
  };
  if (reply.exceptionDetails) {
    throw new Error(`page script failed: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text ?? "unknown error"}`);
  }
  return reply.result?.value as T;
}

function screenshotName(url: string): string {
  let host = "page";
  try {
    host = new URL(url).host.replace(/[^a-zA-Z0-9.-]/g, "_") || "page";
  } catch {
    // about:blank and the like
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return `${host}-${stamp}.png`;
}
