/**
 * Attachments and pictures in the chat: a file attached by the picker, by
 * dropping it on the chat and by pasting reaches the model (the request the
 * loopback OpenAI fake captured holds it: an image as an image, a text file
 * as its text); a screenshot the agent takes and an SVG chart it writes show
 * inline and open in the viewer. Its own server: a model is configured.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { encodePng } from "../../src/web/pwa/icons";
import { WAIT, readmeShot, app, launch, newPage, screenshot } from "./browser";
import { startFakeOpenAI } from "./fake-openai";
import type { FakeOpenAI } from "./fake-openai";
import { startWrangler } from "./wrangler";
import type { Wrangler } from "./wrangler";

const DEV_USER = "attacher";
const persistTo = mkdtempSync(join(tmpdir(), "steward-daily-files-"));
let fake: FakeOpenAI;
let wrangler: Wrangler | undefined;
let browser: Browser;
let page: Page;
let ui: ReturnType<typeof app>;
let site: Server;
let siteURL = "";

/** A 24×16 solid red PNG. */
async function redPng(): Promise<Buffer> {
  const pixels = new Uint8Array(24 * 16 * 4).map((_, i) => [220, 30, 30, 255][i % 4] ?? 0);
  // encodePng takes a square; a 16×16 one is enough for the test.
  return Buffer.from(await encodePng(16, pixels.slice(0, 16 * 16 * 4)));
}

beforeAll(async () => {
  fake = await startFakeOpenAI(() => ({ chunks: ["Got ", "it."], delayMs: 5 }));
  site = createServer((_req, res) => {
    res
      .writeHead(200, { "content-type": "text/html" })
      .end("<!doctype html><title>Site</title><body style='background:#0a0'><h1>Hello from the site</h1></body>");
  });
  site.keepAliveTimeout = 60_000; // workerd reuses idle connections (test/AGENTS.md)
  await new Promise<void>((done) => site.listen(0, "127.0.0.1", done));
  const address = site.address();
  siteURL = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
  wrangler = await startWrangler({
    persistTo,
    vars: { DEV_USER, MODEL_PROVIDER: "openai", MODEL: "fake-model", MODEL_BASE_URL: fake.baseURL, MODEL_ACCEPTS_IMAGES: "true" },
    devUser: DEV_USER
  });
  browser = await launch(inject("chromiumPath"));
  ({ page } = await newPage(browser));
  ui = app(page);
}, 180_000);

afterEach(async (ctx) => {
  await screenshot(page, ctx.task.name, "daily-files-");
});

afterAll(async () => {
  await browser?.close();
  await wrangler?.stop();
  await fake?.close();
  await new Promise((done) => site?.close(done));
  rmSync(persistTo, { recursive: true, force: true });
});

/** The user content of the last request the model got, as the provider sent it. */
function lastUserContent(): unknown[] {
  const request = fake.requests.at(-1);
  const user = request?.messages.filter((m) => m.role === "user").at(-1);
  return Array.isArray(user?.content) ? user.content : [{ type: "text", text: user?.content }];
}

const tray = () => page.getByRole("list", { name: "Attachments" });

async function sendWithAttachment(text: string, name: string): Promise<void> {
  await expect.poll(() => tray().locator(`li[data-state="ready"]`, { hasText: name }).count(), WAIT).toBe(1);
  const before = fake.requests.length;
  await ui.send(text);
  await expect.poll(() => fake.requests.length, WAIT).toBeGreaterThan(before);
  await ui.readyStatus().waitFor(WAIT);
}

describe("attachments", () => {
  test("by the picker: an image reaches the model as an image and shows in the chat", async () => {
    await page.goto(wrangler!.baseURL);
    await ui.readyStatus().waitFor(WAIT);
    const png = await redPng();
    await page.getByLabel("Attach files").setInputFiles({ name: "red.png", mimeType: "image/png", buffer: png });
    await sendWithAttachment("What colour is this?", "red.png");
    const content = lastUserContent();
    expect(content).toContainEqual({ type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64")}` } });
    expect(JSON.stringify(content)).toContain("/workspace/uploads/red.png");
    // Shown in the message as a picture from the workspace, which opens in the viewer.
    const thumb = ui.userMessages().last().getByRole("button", { name: "View picture red.png" });
    await thumb.waitFor(WAIT);
    expect(await thumb.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(16);
    await page.locator("section.chat").screenshot({ path: readmeShot("daily-attachment.png") });
  });

  test("by dropping a file on the chat: a text file reaches the model as its text", async () => {
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["shopping: eggs, milk"], "list.txt", { type: "text/plain" }));
      return dt;
    });
    await page.locator("section.chat").dispatchEvent("dragover", { dataTransfer });
    await page.locator("section.chat").dispatchEvent("drop", { dataTransfer });
    await sendWithAttachment("Summarise the list", "list.txt");
    const text = JSON.stringify(lastUserContent());
    expect(text).toContain("/workspace/uploads/list.txt");
    expect(text).toContain("shopping: eggs, milk");
  });

  test("by pasting: a pasted image is attached", async () => {
    const png = await redPng();
    await ui.input().focus();
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "", { type: "image/png" }));
      document.getElementById("message-input")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png.toString("base64"));
    await sendWithAttachment("And this one?", "pasted.png");
    expect(lastUserContent()).toContainEqual({ type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64")}` } });
  });
});

describe("pictures the agent makes", () => {
  test("a screenshot appears inline and opens in the viewer", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    await ui.send(`/shot ${siteURL}`);
    const card = ui.toolCard("browser_screenshot");
    // Tier 3 asks once per site.
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => card.getAttribute("data-state"), { timeout: 60_000 }).toBe("complete");
    const thumb = card.getByRole("group", { name: "Pictures" }).getByRole("button", { name: /^View picture 127\.0\.0\.1_\d+-.*\.png$/ });
    await thumb.waitFor(WAIT);
    await expect.poll(() => thumb.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT).toBeGreaterThan(100);
    await thumb.click();
    const viewer = page.getByRole("dialog", { name: /^Picture 127\.0\.0\.1_/ });
    await viewer.waitFor(WAIT);
    await expect.poll(() => viewer.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT).toBeGreaterThan(100);
    await page.screenshot({ path: readmeShot("daily-screenshot-viewer.png") });
    await viewer.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => viewer.count(), WAIT).toBe(0);
  });

  test("an SVG chart is shown as an image, never as markup", async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="40" height="50" y="10" fill="teal"/><rect x="50" width="40" height="30" y="30" fill="orange"/><script>document.title="pwned"</script></svg>`;
    await ui.send(`/write charts/bars.svg ${svg}`);
    const card = ui.toolCard("write").last();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    const img = card.getByRole("group", { name: "Pictures" }).getByRole("button", { name: "View picture bars.svg" }).locator("img");
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth), WAIT).toBe(120);
    expect(await img.getAttribute("src")).toMatch(/^\/api\/files\?/);
    expect(await page.locator("section.chat svg rect").count()).toBe(0); // not inlined as markup
    expect(await page.title()).toBe("Steward");
  });
});
