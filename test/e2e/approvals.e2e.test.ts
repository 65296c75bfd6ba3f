/**
 * Approvals through the browser: tier 1 set to "ask" in Settings, then a
 * pending /run is approved — and another rejected — after a page reload, so
 * the decision travels from a fresh page to the agent and stays decided.
 * Its own `wrangler dev` and user: tier permissions are per user, and the
 * other files share the global server's user.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { WAIT, app, texts } from "./browser";
import { useOwnServer } from "./own-server";

const DEV_USER = "approver";
let baseURL = "";

let page: Page;
let ui: ReturnType<typeof app>;
let errors: string[] = [];

const tierSelect = () => page.getByRole("combobox", { name: "Permission for tier 1 (isolate)" });

async function setTier1(permission: "allow" | "ask"): Promise<void> {
  await page.goto(`${baseURL}/#/settings`);
  await expect.poll(() => tierSelect().isEnabled(), WAIT).toBe(true);
  await page.getByRole("table").waitFor(WAIT);
  await tierSelect().selectOption(permission);
  await page.reload();
  await page.getByRole("table").waitFor(WAIT);
  await expect.poll(() => tierSelect().inputValue(), WAIT).toBe(permission);
}

useOwnServer("approvals", DEV_USER, (server) => {
  ({ baseURL, page, errors } = server);
  ui = app(page);
});

describe("approvals", () => {
  test("Settings sets tier 1 to ask; the choice is stored", async () => {
    await setTier1("ask");
    expect(await page.getByRole("region", { name: "Model" }).innerText()).toContain("No language model is configured");
  });

  test("Settings stores a time zone and refuses an unknown one in words", async () => {
    const zone = page.getByRole("combobox", { name: "IANA time zone" });
    const region = page.getByRole("region", { name: "Time zone" });
    await expect.poll(() => zone.inputValue(), WAIT).toBe("UTC");
    await zone.fill("Mars/Olympus");
    await region.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => region.getByRole("alert").innerText(), WAIT).toContain('unknown time zone "Mars/Olympus"');
    await zone.fill("Europe/Lisbon");
    await region.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => region.getByRole("status").innerText(), WAIT).toBe("Saved: Europe/Lisbon");
    await page.reload();
    await expect.poll(() => zone.inputValue(), WAIT).toBe("Europe/Lisbon");
  });

  test("a pending call shows exactly what will run; approving after a reload runs it", async () => {
    await page.goto(baseURL);
    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    await ui.send("/run 2+3");
    const card = ui.toolCard("run_code");
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    const question = card.getByRole("group", { name: "Approve run_code?" });
    expect(await question.innerText()).toContain("Tier 1 (isolate) is set to “ask”");
    expect(await question.locator("pre").innerText()).toBe("2+3");

    await page.reload();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    await expect.poll(() => card.innerText(), WAIT).toMatch(/output[\s\S]*5/);
    await expect.poll(() => texts(ui.assistantMessages().last()), WAIT).toContain("5");

    // Decided for good: a fresh page shows the result, not the question.
    await page.reload();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    expect(await card.getByRole("button", { name: "Approve" }).count()).toBe(0);
  });

  test("rejecting after a reload runs nothing and says so", async () => {
    await ui.send("/run 4*4");
    const card = ui.toolCard("run_code").last();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    await page.reload();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    expect(await card.locator(".tool-approval pre").innerText()).toBe("4*4");
    await card.getByRole("button", { name: "Reject" }).click();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("denied");
    expect(await card.innerText()).toContain("Not run");
    expect(await card.innerText()).not.toContain("16");
    await ui.readyStatus().waitFor(WAIT);
    await expect.poll(() => ui.assistantMessages().last().innerText(), WAIT).toMatch(/denied/i);

    await page.reload();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("denied");
  });

  test("the audit view shows the approved call and filters by tier and outcome", async () => {
    await ui.view("Audit");
    const rows = page.getByRole("list", { name: "Tool executions" }).locator("li");
    await rows.first().waitFor(WAIT);
    await page.getByRole("combobox", { name: "Tier" }).selectOption("1");
    await expect.poll(async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-tier")))).every((t) => t === "1"), WAIT).toBe(true);
    const newest = rows.first();
    await expect.poll(() => newest.innerText(), WAIT).toContain("approved");
    expect(await newest.innerText()).toContain("run_code");

    await page.getByRole("combobox", { name: "Outcome" }).selectOption("blocked");
    await expect.poll(() => rows.count(), WAIT).toBe(0);
    expect(await page.getByText("No tool executions match these filters.").count()).toBe(1);
  });

  test("no uncaught errors in the page", () => {
    expect(errors).toEqual([]);
  });
});
