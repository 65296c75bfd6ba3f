/**
 * Settings → Email in the browser: the agent's address is shown and copies;
 * an owner address is added (and kept across a reload) while a bad one is
 * refused in words and changes nothing; a bad send limit likewise. Runs on the
 * shared `wrangler dev` and dev user, so everything it adds it removes again.
 */
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { WAIT, app, launch, newPage, screenshot } from "./browser";

const OWNER = "e2e-owner@example.com";

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[] = [];

const region = (): Locator => page.getByRole("region", { name: "Email" });
const owners = (): Locator => region().getByRole("list", { name: "Your addresses" });
const ownerForm = (): Locator => region().getByRole("form", { name: "Your addresses" });

async function openSettings(): Promise<void> {
  await page.goto(`${inject("baseURL")}/#/settings`);
  await region().getByLabel("Your agent's address").waitFor(WAIT);
}

beforeAll(async () => {
  browser = await launch(inject("chromiumPath"));
  ({ context, page, errors } = await newPage(browser));
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: inject("baseURL") });
}, 60_000);

afterEach(async (ctx) => {
  await region()
    .scrollIntoViewIfNeeded({ timeout: 2_000 })
    .catch(() => undefined);
  await screenshot(page, ctx.task.name, "email-settings-");
});

afterAll(async () => {
  // Leave the shared dev user as it was, also when a test failed midway.
  try {
    await openSettings();
    const remove = region().getByRole("button", { name: `Remove ${OWNER}` });
    if ((await remove.count()) > 0) {
      await remove.click();
      await remove.waitFor({ state: "detached", ...WAIT });
    }
  } finally {
    await browser?.close();
  }
});

describe("email settings", () => {
  test("shows the agent's address, and Copy puts it on the clipboard", async () => {
    await openSettings();
    const address = await region().getByLabel("Your agent's address").innerText();
    expect(address).toMatch(/^a[a-z2-7]{24}@steward\.localhost$/);
    await region().getByRole("button", { name: "Copy address" }).click();
    await expect.poll(() => region().getByRole("status").first().innerText(), WAIT).toBe("Copied.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(address);
    // The same address on every load: it is the agent's, not the page's.
    await page.reload();
    expect(await region().getByLabel("Your agent's address").innerText()).toBe(address);
  });

  test("adds an owner address; a bad address is refused in words and changes nothing", async () => {
    const input = ownerForm().getByRole("textbox", { name: "Add an address of yours" });
    await input.fill(`  ${OWNER.toUpperCase()} `);
    await ownerForm().getByRole("button", { name: "Add" }).click();
    await expect.poll(() => ownerForm().getByRole("status").innerText(), WAIT).toContain("Added");
    await expect.poll(() => owners().innerText(), WAIT).toContain(OWNER);
    expect(await input.inputValue()).toBe("");

    const before = await owners().locator("li").count();
    await input.fill("not an address");
    await ownerForm().getByRole("button", { name: "Add" }).click();
    await expect.poll(() => ownerForm().getByRole("alert").innerText(), WAIT).toBe('not an email address: "not an address"');
    expect(await input.inputValue()).toBe("not an address");

    await page.reload();
    await owners().waitFor(WAIT);
    expect(await owners().locator("li").count()).toBe(before);
    expect(await owners().innerText()).toContain(OWNER);
    expect(await owners().innerText()).not.toContain("not an address");
  });

  test("mail from that address becomes a chat marked ✉ email, which the owner continues from the web", async () => {
    const to = await region().getByLabel("Your agent's address").innerText();
    const subject = `E2E thread ${Date.now()}`;
    const raw = [
      "Authentication-Results: mx.local; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=" + OWNER + "; dmarc=pass header.from=example.com",
      `From: Owner <${OWNER}>`,
      `To: ${to}`,
      `Subject: ${subject}`,
      `Message-ID: <${crypto.randomUUID()}@example.com>`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "/ls",
      ""
    ].join("\r\n");
    const res = await fetch(`${inject("baseURL")}/cdn-cgi/handler/email?${new URLSearchParams({ from: OWNER, to })}`, { method: "POST", body: raw });
    expect(res.ok, await res.text()).toBe(true);

    const chat = page.getByRole("navigation", { name: "Steward" }).locator("li.session-item").filter({ hasText: subject });
    await chat.waitFor(WAIT);
    expect(await chat.locator(".session-channel").innerText()).toContain("email");
    await chat.locator("button.session").click();
    const ui = app(page);
    await expect.poll(() => ui.userMessages().count(), WAIT).toBeGreaterThan(0);
    await ui.send("/ls");
    await expect.poll(() => ui.toolCard("ls").last().getAttribute("data-state"), WAIT).toBe("complete");

    // Leave the shared user's chat list as it was.
    await chat.getByRole("button", { name: /^Delete / }).click();
    await chat.getByRole("button", { name: "Delete", exact: true }).click();
    await chat.waitFor({ state: "detached", ...WAIT });
    await openSettings();
  });

  test("a send limit out of range is refused in words and the stored one stays", async () => {
    const limit = region().getByRole("spinbutton", { name: "Emails the agent may send per hour" });
    const stored = await limit.inputValue();
    await limit.fill("5000");
    await limit.press("Enter");
    await expect.poll(() => region().getByRole("alert").innerText(), WAIT).toContain("send limit must be a whole number from 0 to 1000 per hour");
    await page.reload();
    await expect.poll(() => limit.inputValue(), WAIT).toBe(stored);
  });

  test("removing the owner address restores the list", async () => {
    await region()
      .getByRole("button", { name: `Remove ${OWNER}` })
      .click();
    await expect.poll(() => ownerForm().getByRole("status").innerText(), WAIT).toBe(`Removed ${OWNER}.`);
    await page.reload();
    await region().getByLabel("Your agent's address").waitFor(WAIT);
    expect(await region().innerText()).not.toContain(OWNER);
  });

  test("no uncaught errors in the page", () => {
    expect(errors).toEqual([]);
  });
});
