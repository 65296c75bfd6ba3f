/**
 * Reload in the middle of a streamed answer: the page comes back and the turn
 * carries on to the end — one user message, one answer with every word once,
 * and the model asked once (the turn was resumed, not restarted). Its own
 * `wrangler dev` with the real `openai` provider against a slow loopback fake.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { WAIT, app, launch, newPage, screenshot, texts } from "./browser";
import { startFakeOpenAI } from "./fake-openai";
import type { FakeOpenAI } from "./fake-openai";
import { startWrangler } from "./wrangler";
import type { Wrangler } from "./wrangler";

const DEV_USER = "resume-user";
const STORY = Array.from({ length: 30 }, (_, i) => `word${i} `);

let fake: FakeOpenAI | undefined;
let wrangler: Wrangler | undefined;
let browser: Browser;
let page: Page;
let errors: string[] = [];
const persistTo = mkdtempSync(join(tmpdir(), "steward-resume-"));

beforeAll(async () => {
  // Request 0: the story (reloaded mid-stream); 1: stopped mid-stream; 2: the regenerated answer.
  fake = await startFakeOpenAI((_request, index) => (index === 2 ? { chunks: ["A fresh ", "ending."], delayMs: 20 } : { chunks: STORY, delayMs: 200 }));
  wrangler = await startWrangler({
    persistTo,
    vars: { DEV_USER, MODEL_PROVIDER: "openai", MODEL: "fake-model", MODEL_BASE_URL: fake.baseURL },
    devUser: DEV_USER
  });
  browser = await launch(inject("chromiumPath"));
  ({ page, errors } = await newPage(browser));
}, 180_000);

afterEach(async (ctx) => {
  await screenshot(page, ctx.task.name, "resume-");
});

afterAll(async () => {
  await browser?.close();
  await wrangler?.stop();
  await fake?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

describe("reload mid-stream", () => {
  test("the answer keeps streaming after a reload and finishes once", async () => {
    const ui = app(page);
    await page.goto(wrangler!.baseURL);
    await ui.send("tell me a story");
    const answer = ui.assistantMessages().last();
    // A few words in, with most of the story still to come.
    await expect.poll(async () => (await answer.innerText().catch(() => "")).includes("word4"), WAIT).toBe(true);
    expect(await answer.innerText()).not.toContain("word29");
    await page.screenshot({ path: join(import.meta.dirname, "../../test-results/e2e/resume-before-reload.png") });

    await page.reload();
    // The page shows the turn still going, then its end.
    await expect.poll(() => texts(ui.assistantMessages().last()), { timeout: 30_000 }).toEqual([STORY.join("").trim()]);
    await ui.readyStatus().waitFor(WAIT);
    expect(await texts(ui.userMessages())).toEqual(["tell me a story"]);
    expect(await ui.assistantMessages().count()).toBe(1);
    expect(fake!.requests).toHaveLength(1); // resumed, not asked again
  }, 90_000);

  test("Stop ends a streaming answer where it is", async () => {
    const ui = app(page);
    await ui.send("another one, please");
    const answer = ui.assistantMessages().nth(1);
    await expect.poll(async () => (await answer.innerText().catch(() => "")).includes("word3"), WAIT).toBe(true);
    await page.getByRole("button", { name: "Stop" }).click();
    await ui.readyStatus().waitFor(WAIT);
    const stopped = await texts(answer);
    // Nothing more arrives after the stop.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await texts(answer)).toEqual(stopped);
    expect(stopped.join("")).not.toContain("word29");
    expect(fake!.requests).toHaveLength(2);
  }, 60_000);

  test("Regenerate replaces the last answer with a new one", async () => {
    const ui = app(page);
    await ui.assistantMessages().last().getByRole("button", { name: "Regenerate" }).click();
    await expect.poll(() => texts(ui.assistantMessages().last()), WAIT).toEqual(["A fresh ending."]);
    await ui.readyStatus().waitFor(WAIT);
    expect(await texts(ui.userMessages())).toEqual(["tell me a story", "another one, please"]);
    expect(await ui.assistantMessages().count()).toBe(2);
    expect(fake!.requests).toHaveLength(3);
    expect(errors).toEqual([]);
  }, 60_000);
});
