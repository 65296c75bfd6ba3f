/**
 * The workspace browser against the shared `wrangler dev` (global-setup.ts):
 * a file the agent writes appears live in another tab, files open as rendered
 * Markdown, text and images, upload and download work, and limits are explained.
 */
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { WAIT, app, launch, newPage, screenshot } from "./browser";

const baseURL = inject("baseURL");
const RUN = Date.now().toString(36); // file names unique to this run: the dev user's workspace is shared with other files' tests
// A 1×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

let browser: Browser;
let context: BrowserContext;
let files: Page;
let chat: Page;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launch(inject("chromiumPath"));
  const opened = await newPage(browser);
  context = opened.context;
  files = opened.page;
  chat = await context.newPage();
  files.on("pageerror", (e) => errors.push(e.message));
  chat.on("pageerror", (e) => errors.push(e.message));
});

afterEach(async (ctx) => {
  await screenshot(files, ctx.task.name, "workspace-");
});

afterAll(async () => {
  await browser?.close();
});

const tree = () => files.getByRole("list", { name: "Files" });
const fileButton = (path: string) => tree().locator(`button[data-path="${path}"]`);
const viewer = () => files.locator("article.viewer");

describe("workspace browser", () => {
  test("a file the agent writes appears without a reload, and opens as rendered Markdown", async () => {
    await files.goto(`${baseURL}/#/files`);
    await files.getByRole("region", { name: "Workspace files" }).waitFor(WAIT);
    await files.getByText(/Loading files/).waitFor({ state: "detached", ...WAIT });
    const path = `/workspace/live-${RUN}/report.md`;
    expect(await fileButton(path).count()).toBe(0);

    await chat.goto(baseURL);
    await app(chat).send(`/write live-${RUN}/report.md # Report\nWritten *live* by the agent.`);
    await app(chat).reply();

    // The Files tab was not touched: the Assistant's workspaceVersion brought the change.
    await fileButton(path).waitFor(WAIT);
    await fileButton(path).click();
    await expect.poll(() => viewer().locator(".viewer-markdown h1").innerText(), WAIT).toBe("Report");
    expect(await viewer().locator(".viewer-markdown em").innerText()).toBe("live");
    expect(new URL(files.url()).hash).toBe(`#/files/live-${RUN}/report.md`);

    await viewer().getByRole("button", { name: "Source" }).click();
    await expect.poll(() => viewer().locator(".viewer-text").innerText(), WAIT).toBe("# Report\nWritten *live* by the agent.");
  });

  test("an overwrite by the agent refreshes the open file", async () => {
    const path = `/workspace/live-${RUN}/report.md`;
    await app(chat).send(`/write live-${RUN}/report.md # Report v2`);
    await app(chat).reply();
    await expect.poll(() => viewer().locator(".viewer-text").innerText(), WAIT).toBe("# Report v2");
    expect(await viewer().locator("h3").innerText()).toBe(path);
  });

  test("uploads a text file and an image into the selected folder and shows them", async () => {
    await files
      .locator("#upload-input")
      .setInputFiles({ name: `notes-${RUN}.txt`, mimeType: "text/plain", buffer: Buffer.from("uploaded from the browser\n") });
    const textPath = `/workspace/live-${RUN}/notes-${RUN}.txt`;
    await fileButton(textPath).waitFor(WAIT);
    await expect.poll(() => viewer().locator(".viewer-text").innerText(), WAIT).toBe("uploaded from the browser\n");

    await files.locator("#upload-input").setInputFiles({ name: `dot-${RUN}.png`, mimeType: "image/png", buffer: PNG });
    await fileButton(`/workspace/live-${RUN}/dot-${RUN}.png`).waitFor(WAIT);
    const img = viewer().locator("img.viewer-image");
    await img.waitFor(WAIT);
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth), WAIT).toBe(1);
  });

  test("the agent sees an uploaded file", async () => {
    await app(chat).send(`/cat live-${RUN}/notes-${RUN}.txt`);
    const answer = await app(chat).reply();
    await expect.poll(() => answer.locator(".message-text").innerText(), WAIT).toContain("uploaded from the browser");
  });

  test("downloads the open file", async () => {
    await fileButton(`/workspace/live-${RUN}/notes-${RUN}.txt`).click();
    const [download] = await Promise.all([files.waitForEvent("download", WAIT), viewer().getByRole("link", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe(`notes-${RUN}.txt`);
    const saved = await download.path();
    expect(readFileSync(saved, "utf8")).toBe("uploaded from the browser\n");
  });

  test("an upload over the limit is refused in words and nothing is written", async () => {
    await files.locator("#upload-input").setInputFiles({ name: `big-${RUN}.bin`, mimeType: "application/octet-stream", buffer: Buffer.alloc(5 * 1024 * 1024) });
    await expect
      .poll(() => files.getByRole("alert").allInnerTexts(), WAIT)
      .toEqual(expect.arrayContaining([expect.stringMatching(/big-.*\.bin is 5\.0 MB; uploads are limited to 4\.0 MB/)]));
    expect(await fileButton(`/workspace/live-${RUN}/big-${RUN}.bin`).count()).toBe(0);
  });

  test("no uncaught errors in the pages", () => {
    expect(errors).toEqual([]);
  });
});
