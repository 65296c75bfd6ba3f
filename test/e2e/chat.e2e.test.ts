/**
 * The chat against a real `wrangler dev` (see global-setup.ts), driven
 * through Debian's Chromium. No model is configured, so the agent's offline
 * command model answers the slash commands; everything else is real: the
 * Worker, the per-user Assistant, Conversation facets, DO SQLite, the
 * workspace and the tier-1 isolate.
 *
 * The tests share one page and run in order: each builds on the last.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, onTestFinished, test } from "vitest";
import { WAIT, app, launch, newPage, readmeShot, screenshot, texts } from "./browser";

const baseURL = inject("baseURL");
const devUser = inject("devUser");

let browser: Browser;
let page: Page;
let ui: ReturnType<typeof app>;
let pageErrors: string[] = [];
// Other test files share this server's dev user, so counts are relative to what was there and
// chats are found by id. `before`: chats at the start; `first`/`second`: the chats made here.
let before = 0;
let first = "";
let second = "";
const chatId = () => decodeURIComponent(new URL(page.url()).hash.replace(/^#\/chat\//, ""));
const item = (id: string) => ui.nav().locator(`li[data-session-id="${id}"]`);
const open = (id: string) => item(id).locator("button.session").click();

beforeAll(async () => {
  browser = await launch(inject("chromiumPath"));
  ({ page, errors: pageErrors } = await newPage(browser));
  ui = app(page);
});

afterEach(async (context) => {
  // One screenshot per test, also (especially) when it failed.
  await screenshot(page, context.task.name, "chat-");
});

afterAll(async () => {
  await browser?.close();
});

describe("chat", () => {
  test("loads, opens a chat and shows who you are", async () => {
    await page.goto(baseURL);
    await expect.poll(() => page.locator("footer").innerText(), WAIT).toContain(`dev:${devUser}`);
    await ui.readyStatus().waitFor(WAIT);
    await expect.poll(() => ui.chatButtons().count(), WAIT).toBeGreaterThanOrEqual(1); // a first chat is made if there was none
    before = await ui.chatButtons().count();
    await expect.poll(() => ui.activeChat().count()).toBe(1);
    expect(await page.getByRole("status").filter({ hasText: "Connected" }).innerText()).toContain("ready");
    // The open chat is in the URL, so a reload or a link keeps it.
    expect(new URL(page.url()).hash).toMatch(/^#\/chat\/[0-9a-f-]{36}$/);
    expect(await page.locator(".connection").innerText()).toContain("Online");

    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.chatButtons().count(), WAIT).toBe(before + 1);
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    first = chatId();
    await ui.readyStatus().waitFor(WAIT);
  });

  test("a reply streams in: /help answers in words", async () => {
    await ui.send("/help");
    const answer = await ui.reply();
    await expect.poll(() => answer.innerText(), WAIT).toContain("Commands:");
    expect(await answer.innerText()).toContain("/run");
    // Copy and regenerate are offered on the last answer.
    expect(await answer.getByRole("button", { name: "Copy" }).count()).toBe(1);
    expect(await answer.getByRole("button", { name: "Regenerate" }).count()).toBe(1);
  });

  test("runs code: /run 6*7 shows a tier-1 run_code card with 42", async () => {
    await ui.send("/run 6*7");
    const answer = await ui.reply();
    const card = ui.toolCard("run_code");
    await card.waitFor(WAIT);
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    expect(await card.getAttribute("data-tier")).toBe("1");
    const cardText = await card.innerText();
    expect(cardText).toContain("tier 1 · isolate");
    expect(cardText).toContain("6*7"); // input
    expect(cardText).toMatch(/output[\s\S]*42/);
    expect(cardText).toMatch(/\d+(\.\d)? (ms|s)/); // duration, measured by the page
    await expect.poll(() => texts(answer), WAIT).toContain("42");
    expect(await texts(ui.userMessages())).toEqual(["/help", "/run 6*7"]);
  });

  test("a failing call is shown in words", async () => {
    await ui.send("/run throw new Error('kaputt')");
    await ui.reply();
    const card = ui.toolCard("run_code").last();
    await expect.poll(() => card.locator(".tool-failure").innerText(), WAIT).toMatch(/^Failed: [\s\S]*kaputt/);
  });

  test("Shift+Enter adds a line; Enter sends", async () => {
    await ui.readyStatus().waitFor(WAIT);
    await ui.input().focus();
    await page.keyboard.type("/write notes/lines.txt one");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("two");
    expect(await ui.input().inputValue()).toBe("/write notes/lines.txt one\ntwo");
    await page.keyboard.press("Enter");
    await expect.poll(() => ui.input().inputValue(), WAIT).toBe("");
    const answer = await ui.reply();
    await expect.poll(() => texts(answer), WAIT).toContain("Wrote 7 bytes to /workspace/notes/lines.txt.");
  });

  test("writes a workspace file and reads it back as Markdown", async () => {
    await ui.send("/write notes/a.md # Title\nhello e2e from *markdown*");
    await ui.reply();
    await expect.poll(() => ui.toolCard("write").last().getAttribute("data-state"), WAIT).toBe("complete");
    expect(await ui.toolCard("write").last().getAttribute("data-tier")).toBe("0");
    await expect.poll(async () => await ui.assistantMessages().last().innerText(), WAIT).toMatch(/Wrote \d+ bytes to \/workspace\/notes\/a\.md/);

    await ui.send("/cat notes/a.md");
    const answer = await ui.reply();
    await expect.poll(() => ui.toolCard("read").getAttribute("data-state"), WAIT).toBe("complete");
    await expect.poll(() => answer.locator(".message-text").innerText(), WAIT).toContain("hello e2e from markdown");
    // The reply is rendered Markdown (sanitized), not raw text.
    expect(await answer.locator(".message-text h1").innerText()).toBe("Title");
    expect(await answer.locator(".message-text em").innerText()).toBe("markdown");
  });

  test("creates a second chat and switches between them", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.chatButtons().count(), WAIT).toBe(before + 2);
    // The new chat is active and empty.
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    second = chatId();
    expect(second).not.toBe(first);
    await ui.readyStatus().waitFor(WAIT);
    expect(await ui.userMessages().count()).toBe(0);

    await ui.send("/run 1+1");
    const answer = await ui.reply();
    await expect.poll(() => texts(answer), WAIT).toContain("2");

    // Back to the first chat (its sidebar preview is its last reply).
    expect(await item(first).innerText()).toContain("hello e2e");
    await open(first);
    await expect.poll(() => ui.userMessages().count(), WAIT).toBe(6);
    expect((await texts(ui.userMessages())).at(-1)).toBe("/cat notes/a.md");
    await expect.poll(() => ui.toolCard("run_code").count()).toBe(2);

    // And to the second again; its chat connection comes back too.
    await open(second);
    await expect.poll(() => texts(ui.userMessages()), WAIT).toEqual(["/run 1+1"]);
    await ui.readyStatus().waitFor(WAIT);
  });

  test("after a reload the open chat and its messages are back", async () => {
    await page.reload();
    await ui.readyStatus().waitFor(WAIT);
    await expect.poll(() => texts(ui.userMessages()), WAIT).toEqual(["/run 1+1"]);
    await expect.poll(() => texts(ui.assistantMessages().last()), WAIT).toContain("2");
    expect(await ui.chatButtons().count()).toBe(before + 2);
    expect(chatId()).toBe(second);

    await open(first);
    await expect.poll(() => texts(ui.userMessages()), WAIT).toContain("/cat notes/a.md");
    await expect.poll(() => ui.toolCard("run_code").first().innerText(), WAIT).toContain("42");
    await ui.readyStatus().waitFor(WAIT);
  });

  test("renames and deletes a chat", async () => {
    await item(second)
      .getByRole("button", { name: /^Rename / })
      .click();
    const field = item(second).getByRole("textbox", { name: /^New title for / });
    await field.fill("Scratch pad");
    await field.press("Enter");
    await expect.poll(() => item(second).locator(".session-title").innerText(), WAIT).toBe("Scratch pad");

    await item(second).getByRole("button", { name: "Delete Scratch pad" }).click();
    await item(second).getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => ui.chatButtons().count(), WAIT).toBe(before + 1);
    expect(await item(second).count()).toBe(0);
    // Deleted for good: not back after a reload either.
    await page.reload();
    await ui.readyStatus().waitFor(WAIT);
    expect(await ui.chatButtons().count()).toBe(before + 1);
    expect(await item(second).count()).toBe(0);
  });

  test("works at phone width", async () => {
    onTestFinished(() => page.setViewportSize({ width: 1100, height: 760 }));
    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.chatButtons().count(), WAIT).toBe(before + 2);
    await ui.readyStatus().waitFor(WAIT);
    await page.setViewportSize({ width: 390, height: 780 });
    const menu = page.getByRole("button", { name: "Menu", exact: true });
    await expect.poll(() => ui.nav().isVisible()).toBe(false);
    await menu.click();
    await expect.poll(() => ui.nav().isVisible(), WAIT).toBe(true);
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    await open(first);
    await expect.poll(() => ui.nav().isVisible(), WAIT).toBe(false);
    await expect.poll(() => texts(ui.userMessages()), WAIT).toContain("/run 6*7");
    await ui.readyStatus().waitFor(WAIT);
    // Nothing sticks out sideways (names the culprits if something does).
    const tooWide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !el.closest(".skip-link, .visually-hidden"))
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`)
    );
    expect(tooWide).toEqual([]);
  });

  test("keyboard only: Tab reaches the navigation, the chat list and the message box", async () => {
    await page.goto(baseURL);
    await ui.readyStatus().waitFor(WAIT);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.locator("header h1").click();
    const seen: string[] = [];
    for (let i = 0; i < 150 && !seen.at(-1)?.startsWith("textarea"); i++) {
      await page.keyboard.press("Tab");
      seen.push(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return el ? `${el.tagName.toLowerCase()}:${el.getAttribute("aria-label") ?? el.textContent?.trim().slice(0, 20) ?? ""}` : "";
        })
      );
    }
    expect(seen.some((s) => s.startsWith("a:Files"))).toBe(true);
    expect(seen.some((s) => s.startsWith("button:+ New chat"))).toBe(true);
    expect(seen.some((s) => s.startsWith("textarea"))).toBe(true);
    // Focus order follows the page: navigation before the message box.
    expect(seen.findIndex((s) => s.startsWith("a:Files"))).toBeLessThan(seen.findIndex((s) => s.startsWith("textarea")));

    // The first Tab stop of the page skips straight to the message box, however long the chat.
    const firstStop = await page.evaluate(() => document.querySelector<HTMLElement>("button, a[href], input, select, textarea, [tabindex]")?.textContent);
    expect(firstStop).toBe("Skip to the message box");
    const skip = page.getByRole("button", { name: "Skip to the message box" });
    await skip.focus();
    expect(await skip.isVisible()).toBe(true);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("message-input");
  });

  test("an error from the agent is shown in words", async () => {
    await ui.readyStatus().waitFor(WAIT);
    // Over the Conversation's frame limit (512 KiB): the agent refuses it with a steward_error frame.
    await ui.input().fill(`/write big.txt ${"x".repeat(600 * 1024)}`);
    await ui.input().press("Enter");
    const alert = page.getByRole("alert").filter({ hasText: "The agent reported a problem" });
    await expect.poll(() => alert.innerText(), WAIT).toMatch(/message too large: \d+ bytes \(limit 524288\)/);
    await alert.getByRole("button", { name: "Dismiss" }).click();
    await expect.poll(() => alert.count(), WAIT).toBe(0);
  });

  test("a slow tier 4 command's output appears in its card before it ends", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await ui.send("/sh echo first line; sleep 4; echo last line");
    const card = ui.toolCard("run_shell").last();
    // Tier 4 asks by default: approve it in the card.
    await card.getByRole("button", { name: "Approve" }).click(WAIT);
    const live = card.locator(".tool-live");
    await expect.poll(() => live.innerText().catch(() => ""), WAIT).toContain("first line");
    // Still running when the first line showed: no result yet, and not the last line.
    expect(await card.getAttribute("data-state")).not.toBe("complete");
    expect(await live.innerText()).not.toContain("last line");
    await card.screenshot({ path: readmeShot("tier4-live-output.png") });
    await expect.poll(() => card.getAttribute("data-state"), { timeout: 30_000 }).toBe("complete");
    expect(await live.count()).toBe(0);
    expect(await card.innerText()).toMatch(/first line\s+last line/);
  });

  test("no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
