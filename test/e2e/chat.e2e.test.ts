/**
 * The chat page against a real `wrangler dev` (see global-setup.ts), driven
 * through Debian's Chromium. No model is configured, so the agent's offline
 * command model answers the slash commands; everything else is real: the
 * Worker, the per-user Assistant, Conversation facets, DO SQLite, the
 * workspace and the tier-1 isolate.
 *
 * The tests share one page and run in order: each builds on the last.
 */
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";

const baseURL = inject("baseURL");
const devUser = inject("devUser");
const SHOTS = join(import.meta.dirname, "../../test-results/e2e");
const WAIT = { timeout: 20_000 };

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: inject("chromiumPath"),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync"
    ]
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") console.warn(`[page console] ${message.text()}`);
  });
});

afterEach(async (context) => {
  // One screenshot per test, also (especially) when it failed.
  const name = context.task.name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase();
  await page?.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
});

afterAll(async () => {
  await browser?.close();
});

// ── page helpers ─────────────────────────────────────────────────────

const messageLog = () => page.getByRole("log", { name: "Messages" });
const sessionButtons = () => page.getByRole("navigation", { name: "Sessions" }).locator("li button");
const activeSession = () => page.getByRole("navigation", { name: "Sessions" }).locator('button[aria-current="page"]');
const readyStatus = () => page.locator('.status[data-link="open"][data-chat="ready"]');
const toolCard = (name: string) => messageLog().getByRole("region", { name: `Tool call ${name}` });
const assistantMessages = () => messageLog().getByRole("article", { name: "Steward said" });
const userMessages = () => messageLog().getByRole("article", { name: "You said" });

/** Types a message and presses Enter once the chat is connected and idle. */
async function send(text: string): Promise<void> {
  await readyStatus().waitFor(WAIT);
  const input = page.getByRole("textbox", { name: "Message", exact: true });
  await input.fill(text);
  await input.press("Enter");
  await expect.poll(() => input.inputValue(), WAIT).toBe("");
}

/** Waits for the turn to finish and returns the last assistant message. */
async function reply(): Promise<Locator> {
  await readyStatus().waitFor(WAIT);
  return assistantMessages().last();
}

/** The text parts of some messages, without the "You"/"Steward" labels. */
async function texts(messages: Locator): Promise<string[]> {
  return messages.locator(".message-text").allInnerTexts();
}

// ── tests ────────────────────────────────────────────────────────────

describe("chat page", () => {
  test("loads, starts a session and shows who you are", async () => {
    await page.goto(baseURL);
    await expect.poll(() => page.locator("footer").innerText(), WAIT).toContain(`dev:${devUser}`);
    await readyStatus().waitFor(WAIT);
    await expect.poll(() => sessionButtons().count(), WAIT).toBe(1);
    await expect.poll(() => activeSession().count()).toBe(1);
    expect(await page.getByRole("status").filter({ hasText: "Connected" }).innerText()).toContain("ready");
  });

  test("runs code: /run 6*7 shows a run_code tool card and 42", async () => {
    await send("/run 6*7");
    const answer = await reply();
    const card = toolCard("run_code");
    await card.waitFor(WAIT);
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    const cardText = await card.innerText();
    expect(cardText).toContain("run_code");
    expect(cardText).toContain("6*7"); // input
    expect(cardText).toMatch(/output[\s\S]*42/);
    await expect.poll(() => answer.locator(".message-text").allInnerTexts(), WAIT).toContain("42");
    expect(await texts(userMessages())).toEqual(["/run 6*7"]);
  });

  test("writes a workspace file and reads it back", async () => {
    await send("/write notes/a.md hello e2e");
    await reply();
    await expect.poll(() => toolCard("write").getAttribute("data-state"), WAIT).toBe("complete");
    await expect.poll(async () => (await assistantMessages().last().innerText()), WAIT).toMatch(/Wrote \d+ bytes to \/workspace\/notes\/a\.md/);

    await send("/cat notes/a.md");
    const answer = await reply();
    await expect.poll(() => toolCard("read").getAttribute("data-state"), WAIT).toBe("complete");
    await expect.poll(() => answer.locator(".message-text").allInnerTexts(), WAIT).toContain("hello e2e");
  });

  test("creates a second session and switches between them", async () => {
    await page.getByRole("button", { name: "New session" }).click();
    await expect.poll(() => sessionButtons().count(), WAIT).toBe(2);
    // The new session is active and empty.
    await expect.poll(() => activeSession().innerText(), WAIT).toContain("No messages yet");
    await readyStatus().waitFor(WAIT);
    expect(await userMessages().count()).toBe(0);

    await send("/run 1+1");
    const answer = await reply();
    await expect.poll(() => answer.locator(".message-text").allInnerTexts(), WAIT).toContain("2");

    // Back to the first session (its sidebar preview is its last reply).
    await sessionButtons().filter({ hasText: "hello e2e" }).click();
    await expect.poll(() => texts(userMessages()), WAIT).toEqual(["/run 6*7", "/write notes/a.md hello e2e", "/cat notes/a.md"]);
    await expect.poll(() => toolCard("run_code").count()).toBe(1);

    // And to the second again; its chat connection comes back too.
    await sessionButtons().filter({ hasNotText: "hello e2e" }).click();
    await expect.poll(() => texts(userMessages()), WAIT).toEqual(["/run 1+1"]);
    await readyStatus().waitFor(WAIT);
  });

  test("after a reload the remembered session and earlier messages are back", async () => {
    await page.reload();
    await readyStatus().waitFor(WAIT);
    // The session chosen last is remembered (localStorage) and its history reloads from the server.
    await expect.poll(() => texts(userMessages()), WAIT).toEqual(["/run 1+1"]);
    await expect.poll(() => assistantMessages().last().locator(".message-text").allInnerTexts(), WAIT).toContain("2");
    expect(await sessionButtons().count()).toBe(2);

    await sessionButtons().filter({ hasText: "hello e2e" }).click();
    await expect.poll(() => texts(userMessages()), WAIT).toEqual(["/run 6*7", "/write notes/a.md hello e2e", "/cat notes/a.md"]);
    await expect.poll(() => assistantMessages().last().locator(".message-text").allInnerTexts(), WAIT).toContain("hello e2e");
    await expect.poll(() => toolCard("run_code").innerText(), WAIT).toContain("42");
    await readyStatus().waitFor(WAIT);
  });

  test("works at phone width", async () => {
    await page.setViewportSize({ width: 390, height: 780 });
    const menu = page.getByRole("button", { name: "Sessions", exact: true });
    const nav = page.getByRole("navigation", { name: "Sessions" });
    await expect.poll(() => nav.isVisible()).toBe(false);
    await menu.click();
    await expect.poll(() => nav.isVisible(), WAIT).toBe(true);
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    await sessionButtons().filter({ hasNotText: "hello e2e" }).click();
    await expect.poll(() => nav.isVisible(), WAIT).toBe(false);
    await expect.poll(() => texts(userMessages()), WAIT).toEqual(["/run 1+1"]);
    await readyStatus().waitFor(WAIT);
    // Nothing sticks out sideways (names the culprits if something does).
    const tooWide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`)
    );
    expect(tooWide).toEqual([]);
  });

  test("no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
