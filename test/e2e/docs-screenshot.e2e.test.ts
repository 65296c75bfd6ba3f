/**
 * Not a check: refreshes the README's pictures (docs/web-app*.png) from a real
 * run. Skipped unless UPDATE_SCREENSHOTS=1:
 *   UPDATE_SCREENSHOTS=1 npx vitest run -c vitest.e2e.config.ts test/e2e/docs-screenshot.e2e.test.ts
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

test.skipIf(process.env.UPDATE_SCREENSHOTS !== "1")("README screenshots", async () => {
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

  await page.setViewportSize({ width: 390, height: 780 });
  await ui.view("Chat").catch(() => undefined);
  await page.goto(`${inject("baseURL")}/#/chat`);
  await ui.readyStatus().waitFor(WAIT);
  await page.screenshot({ path: join(ROOT, "docs", "web-app-phone.png") });
}, 120_000);
