/**
 * Shared pieces for the browser tests: Debian's Chromium, one screenshot per
 * test under test-results/e2e, and locators for the app's landmarks.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { ROOT } from "./wrangler";

export const SHOTS = join(ROOT, "test-results", "e2e");
export const WAIT = { timeout: 20_000 };

/**
 * Where a picture the README shows is written: docs/ when refreshing them
 * (UPDATE_SCREENSHOTS=1, see docs-screenshot.e2e.test.ts), else next to the test's own.
 */
export function readmeShot(name: string): string {
  return process.env.UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs", name) : join(SHOTS, name);
}

export async function launch(executablePath: string): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
  });
}

/** A page that records uncaught errors and echoes console errors into the test log. */
export async function newPage(browser: Browser, width = 1100, height = 760): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") console.warn(`[page console] ${message.text()}`);
  });
  return { context, page, errors };
}

export async function screenshot(page: Page | undefined, testName: string, prefix = ""): Promise<void> {
  const name = `${prefix}${testName}`
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
  await page?.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }).catch(() => undefined);
}

/** Locators for one page of the app. */
export function app(page: Page) {
  const messageLog = () => page.getByRole("log", { name: "Messages" });
  const nav = () => page.getByRole("navigation", { name: "Steward" });
  const readyStatus = () => page.locator('.status[data-link="open"][data-chat="ready"]');
  const input = () => page.getByRole("textbox", { name: "Message", exact: true });
  return {
    nav,
    messageLog,
    readyStatus,
    input,
    chatButtons: () => nav().locator("button.session"),
    activeChat: () => nav().locator('button.session[aria-current="page"]'),
    toolCard: (name: string) => messageLog().getByRole("region", { name: `Tool call ${name}` }),
    assistantMessages: () => messageLog().getByRole("article", { name: "Steward said" }),
    userMessages: () => messageLog().getByRole("article", { name: "You said" }),
    /** Opens one of the views from the navigation (Tasks may carry an unread count in its name). */
    async view(name: "Chat" | "Files" | "Audit" | "Tasks" | "Settings") {
      await nav()
        .getByRole("link", { name: new RegExp(`^${name}(\\W|$)`) })
        .click();
    },
    /** The Tasks link's unread count, 0 when it shows none. */
    async unread(): Promise<number> {
      const count = nav()
        .getByRole("link", { name: /^Tasks/ })
        .locator(".count [aria-hidden]");
      return (await count.count()) === 0 ? 0 : Number(await count.innerText());
    },
    /** Types a message and presses Enter once the chat is connected and idle. */
    async send(text: string) {
      await readyStatus().waitFor(WAIT);
      await input().fill(text);
      await input().press("Enter");
      await expect.poll(() => input().inputValue(), WAIT).toBe("");
    },
    /** Waits for the turn to finish and returns the last assistant message. */
    async reply(): Promise<Locator> {
      await readyStatus().waitFor(WAIT);
      return messageLog().getByRole("article", { name: "Steward said" }).last();
    }
  };
}

/** The text parts of some messages, without the "You"/"Steward" labels. */
export function texts(messages: Locator): Promise<string[]> {
  return messages.locator(".message-text").allInnerTexts();
}
