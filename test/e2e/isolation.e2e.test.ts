/**
 * Two people, one deployment: "alice" makes a chat and a file; "bob", served
 * by the same state directory, sees neither in the app or through the download
 * route; alice, back again, still has both (so bob's empty view is isolation,
 * not lost data). The identity is the dev user of each `wrangler dev` run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { WAIT, app, launch, newPage, screenshot } from "./browser";
import { startWrangler } from "./wrangler";
import type { Wrangler } from "./wrangler";

const persistTo = mkdtempSync(join(tmpdir(), "steward-two-users-"));
let wrangler: Wrangler | undefined;
let browser: Browser;
let page: Page | undefined;

async function as(user: string): Promise<{ baseURL: string; page: Page; ui: ReturnType<typeof app> }> {
  await wrangler?.stop();
  await page?.context().close();
  wrangler = await startWrangler({ persistTo, vars: { DEV_USER: user }, devUser: user });
  ({ page } = await newPage(browser));
  await page.goto(wrangler.baseURL);
  const ui = app(page);
  await ui.readyStatus().waitFor(WAIT);
  return { baseURL: wrangler.baseURL, page, ui };
}

beforeAll(async () => {
  browser = await launch(inject("chromiumPath"));
});

afterEach(async (ctx) => {
  await screenshot(page, ctx.task.name, "isolation-");
});

afterAll(async () => {
  await browser?.close();
  await wrangler?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

describe("two users", () => {
  test("bob sees none of alice's chats or files", async () => {
    const alice = await as("alice");
    await alice.ui.send("/write private/alice.md alice's secret");
    await alice.ui.reply();
    const item = alice.ui.nav().locator(".session-item").first();
    await item.getByRole("button", { name: /^Rename / }).click();
    await item.getByRole("textbox").fill("Alice's plans");
    await item.getByRole("textbox").press("Enter");
    await expect.poll(() => alice.ui.chatButtons().allInnerTexts(), WAIT).toEqual([expect.stringContaining("Alice's plans")]);

    // While the server is down the page says so, in words.
    await wrangler?.stop();
    await expect.poll(() => alice.page.locator(".connection").innerText(), WAIT).toBe("Reconnecting…");
    await expect.poll(() => alice.page.getByRole("status").filter({ hasText: "Connection to your agent lost; reconnecting" }).count(), WAIT).toBe(1);

    const bob = await as("bob");
    await expect.poll(() => bob.ui.chatButtons().count(), WAIT).toBe(1); // his own first chat
    expect(await bob.ui.chatButtons().allInnerTexts()).not.toEqual([expect.stringContaining("Alice")]);
    expect(await bob.ui.userMessages().count()).toBe(0);
    await bob.ui.view("Files");
    await bob.page.getByRole("region", { name: "Workspace files" }).waitFor(WAIT);
    await bob.page.getByText(/Loading files/).waitFor({ state: "detached", ...WAIT });
    expect(await bob.page.locator('button[data-path="/workspace/private/alice.md"]').count()).toBe(0);
    expect(await bob.page.getByText("private/").count()).toBe(0);
    const download = await bob.page.request.get(`${bob.baseURL}/api/files?path=private/alice.md`);
    expect(download.status()).toBe(404);

    const back = await as("alice");
    await expect.poll(() => back.ui.chatButtons().allInnerTexts(), WAIT).toEqual([expect.stringContaining("Alice's plans")]);
    await back.ui.view("Files");
    await back.page.locator('button[data-path="/workspace/private/alice.md"]').waitFor(WAIT);
    const own = await back.page.request.get(`${back.baseURL}/api/files?path=private/alice.md`);
    expect(await own.text()).toBe("alice's secret");
  }, 300_000);
});
