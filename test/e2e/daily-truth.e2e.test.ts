/**
 * "What the app says is true": the chat list's previews after a reload, and
 * an approval card that gives the gate's real reason (an email thread
 * continued from the web asks because it came by email, not because of its
 * tier). Its own server and user: tier permissions and mail are per user.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { WAIT, app, texts } from "./browser";
import { mailAgent } from "./daily-helpers";
import { useOwnServer } from "./own-server";

let baseURL = "";
let page: Page;
let ui: ReturnType<typeof app>;

useOwnServer("daily-truth", "truthful", (server) => {
  ({ baseURL, page } = server);
  ui = app(page);
});

const previewOf = (title: string) => ui.nav().locator("li.session-item", { hasText: title }).locator(".session-preview");

describe("what the app says is true", () => {
  test("an approval in an email thread continued from the web names the email reason", async () => {
    await page.goto(baseURL);
    await ui.readyStatus().waitFor(WAIT);
    await mailAgent(baseURL, { from: "owner@example.com", subject: "Numbers please", text: "/ls" });
    const thread = ui.nav().locator("li.session-item", { hasText: "Numbers please" });
    await thread.waitFor(WAIT);
    await thread.locator("button.session").click();
    // The email turn answered (its /ls listing) before the owner types here.
    await expect.poll(() => ui.assistantMessages().count(), WAIT).toBeGreaterThanOrEqual(1);
    // Tier 1 is on its default, allow: only the email origin makes this call ask.
    await ui.send("/run 6*7");
    const card = ui.toolCard("run_code");
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    const question = card.getByRole("group", { name: "Approve run_code?" });
    await expect.poll(() => question.innerText(), WAIT).toContain("This chat began with an email");
    expect(await question.innerText()).not.toContain("is set to");
  });

  test("after a reload the chat list shows each chat's last message", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    await ui.send("/run 40+2");
    await expect.poll(() => texts(ui.assistantMessages().last()), WAIT).toContain("42");
    await ui.readyStatus().waitFor(WAIT);

    await page.reload();
    await ui.readyStatus().waitFor(WAIT);
    // The email thread's last turn ended waiting for approval (no text): it still says what it is.
    await expect.poll(() => previewOf("Numbers please").innerText(), WAIT).toBe("⚙ run_code (waiting for your approval)");
    const all = await ui.nav().locator(".session-preview").allInnerTexts();
    expect(all).toContain("42");
    // Only the first chat the app opened on arrival is empty.
    expect(all.filter((p) => p === "No messages yet").length).toBeLessThanOrEqual(1);
  });
});
