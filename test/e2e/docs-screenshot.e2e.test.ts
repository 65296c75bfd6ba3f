/**
 * Not a check: refreshes the README's pictures (docs/web-app*.png, the Tasks view included) from a real
 * run. Skipped unless UPDATE_SCREENSHOTS=1:
 *   UPDATE_SCREENSHOTS=1 npx vitest run -c vitest.e2e.config.ts test/e2e/docs-screenshot.e2e.test.ts
 * The daily-use pictures (docs/daily-*.png, docs/tier4-live-output.png) come from the tests that check
 * those features (`readmeShot` in browser.ts): run `chat` and the `daily-*` files with the same variable.
 */
import { join } from "node:path";
import { afterAll, expect, inject, test } from "vitest";
import type { Browser } from "playwright-core";
import { WAIT, app, launch, newPage } from "./browser";
import { ROOT } from "./wrangler";

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

test.skipIf(process.env.UPDATE_SCREENSHOTS !== "1")(
  "README screenshots",
  async () => {
    browser = await launch(inject("chromiumPath"));
    const { page } = await newPage(browser, 1280, 820);
    const ui = app(page);
    await page.goto(inject("baseURL"));
    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    await ui.send("/write notes/plan.md # Weekend plan\n- **Saturday:** market, then `git pull` the garden repo\n- Sunday: call Ana");
    await ui.reply();
    await ui.send("/cat notes/plan.md");
    await ui.reply();
    await ui.send("/run [1, 2, 3].map((n) => n * n)");
    await ui.reply();
    await page.locator("header h1").click(); // no focus ring in the picture
    await page.screenshot({ path: join(ROOT, "docs", "web-app.png") });

    await ui.view("Files");
    await page.locator('button[data-path="/workspace/notes/plan.md"]').click();
    await page.locator(".viewer-markdown h1").waitFor(WAIT);
    await page.screenshot({ path: join(ROOT, "docs", "web-app-files.png") });

    // Tasks: one that has run (its result unread), one paused.
    await ui.view("Tasks");
    const form = page.getByRole("form", { name: "New task" });
    const create = async (when: string, prompt: string, title: string) => {
      await form.getByRole("textbox", { name: "Schedule" }).fill(when);
      await form.getByRole("textbox", { name: "Prompt" }).fill(prompt);
      await form.getByRole("textbox", { name: "Title (optional)" }).fill(title);
      await form.getByRole("button", { name: "Create task" }).click();
      await expect.poll(() => form.getByRole("status").innerText(), WAIT).toContain(title);
    };
    await create("every weekday at 08:00", "/ls notes", "Morning: what is in my notes");
    await create('cron "0 9 * * 1"', "/run 6*7", "Weekly check");
    const task = (title: string) => page.locator("li.task").filter({ hasText: title });
    await task("Weekly check").getByRole("button", { name: "Pause" }).click();
    await task("Morning: what is in my notes").getByRole("button", { name: "Run now" }).click();
    await page.locator("li.notification").waitFor(WAIT);
    await expect.poll(() => task("Morning: what is in my notes").locator(".task-last").innerText(), WAIT).toContain("Done");
    await task("Morning: what is in my notes").locator(".task-history summary").click();
    await page.locator("header h1").click();
    await page.locator(".tasks").evaluate((el) => el.scrollTo(0, 0));
    await page.screenshot({ path: join(ROOT, "docs", "web-app-tasks.png") });
    // Leave the shared dev user without them (the run's chat included).
    for (const title of ["Weekly check", "Morning: what is in my notes"]) {
      await task(title).getByRole("button", { name: "Delete" }).click();
      await task(title).getByRole("button", { name: "Delete" }).click();
      await task(title).waitFor({ state: "detached", ...WAIT });
    }
    await page.getByRole("button", { name: "Mark read" }).click();
    const scheduleChat = ui.nav().locator("li.session-item").filter({ hasText: "scheduled task" });
    await scheduleChat.getByRole("button", { name: /^Delete / }).click();
    await scheduleChat.getByRole("button", { name: "Delete", exact: true }).click();
    await scheduleChat.waitFor({ state: "detached", ...WAIT });

    await page.setViewportSize({ width: 390, height: 780 });
    await ui.view("Chat").catch(() => undefined);
    await page.goto(`${inject("baseURL")}/#/chat`);
    await ui.readyStatus().waitFor(WAIT);
    await page.screenshot({ path: join(ROOT, "docs", "web-app-phone.png") });
  },
  120_000
);
