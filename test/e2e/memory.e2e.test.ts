/**
 * Memory in the browser, on its own server and dev user (it changes the
 * user's memory): Settings → Memory, the search box over every session, and
 * edit-and-resend with its versions. No model is configured: the offline
 * command model answers slash commands, which is all these need.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { WAIT, app, texts } from "./browser";
import { useOwnServer } from "./own-server";
import type { OwnServer } from "./own-server";

let server: OwnServer;
useOwnServer("memory", "memory-e2e", (s) => (server = s));
const page = (): Page => server.page;
const chatId = () => decodeURIComponent(new URL(page().url()).hash.replace(/^#\/chat\//, ""));

describe("memory", () => {
  test("Settings → Memory: add, edit and delete an entry", async () => {
    const ui = app(page());
    await page().goto(server.baseURL);
    await ui.readyStatus().waitFor(WAIT);
    await ui.view("Settings");
    const section = page().getByRole("region", { name: "Memory" });
    await section.getByText("Nothing remembered yet.").waitFor(WAIT);
    await section.getByRole("textbox", { name: "Remember" }).fill("prefers metric units");
    await section.getByRole("button", { name: "Add" }).click();
    const list = section.getByRole("list", { name: "Memory" });
    await expect.poll(() => list.locator(".memory-text").allInnerTexts(), WAIT).toEqual(["prefers metric units"]);
    expect(await list.innerText()).toContain("added by you");

    await list.getByRole("button", { name: "Edit “prefers metric units”" }).click();
    const field = list.getByRole("textbox", { name: /^Edit memory/ });
    await field.fill("prefers imperial units");
    await list.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => list.locator(".memory-text").allInnerTexts(), WAIT).toEqual(["prefers imperial units"]);

    // It is still there after a reload (stored in the Assistant, not the page).
    await page().reload();
    await ui
      .readyStatus()
      .or(page().getByRole("region", { name: "Memory" }))
      .first()
      .waitFor(WAIT);
    const again = page().getByRole("region", { name: "Memory" }).getByRole("list", { name: "Memory" });
    await expect.poll(() => again.locator(".memory-text").allInnerTexts(), WAIT).toEqual(["prefers imperial units"]);
    await again.getByRole("button", { name: "Delete “prefers imperial units”" }).click();
    await page().getByRole("region", { name: "Memory" }).getByText("Nothing remembered yet.").waitFor(WAIT);
    expect(server.errors).toEqual([]);
  });

  test("the search box finds a message in another chat and opens it there", async () => {
    const ui = app(page());
    await ui.view("Chat");
    await ui.readyStatus().waitFor(WAIT);
    const start = chatId();
    await page().getByRole("button", { name: "New chat" }).click();
    // The new chat's id, once the URL has moved to it (the first chat may be empty too).
    await expect.poll(() => chatId(), WAIT).not.toBe(start);
    const target = chatId();
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    await ui.readyStatus().waitFor(WAIT);
    await ui.send("/run 'quokka'.length");
    await expect.poll(async () => (await texts(ui.assistantMessages().last())).join(" "), WAIT).toContain("6");
    // Its title came from the first words (no model configured).
    await expect.poll(() => ui.activeChat().locator(".session-title").innerText(), WAIT).toBe("/run 'quokka'.length");

    await page().getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => chatId(), WAIT).not.toBe(target);
    await ui.readyStatus().waitFor(WAIT);

    const search = page().getByRole("searchbox", { name: "Search all sessions" });
    await search.fill("quokka");
    await search.press("Enter");
    const results = page().getByRole("region", { name: "Search results" });
    const hit = results.getByRole("button").first();
    await expect.poll(() => hit.innerText(), WAIT).toContain("quokka");
    await hit.click();
    await expect.poll(() => chatId(), WAIT).toBe(target);
    const marked = ui.messageLog().locator(".message.highlighted");
    await expect.poll(() => marked.innerText(), WAIT).toContain("quokka");
    expect(server.errors).toEqual([]);
  });

  test("edit and resend: both versions are kept and the switch moves between them", async () => {
    const ui = app(page());
    await page().getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
    await ui.readyStatus().waitFor(WAIT);
    await ui.send("/run 1+1");
    await expect.poll(async () => (await texts(ui.assistantMessages().last())).join(" "), WAIT).toContain("2");
    await ui.readyStatus().waitFor(WAIT);

    const mine = ui.userMessages().first();
    await mine.getByRole("button", { name: "Edit" }).click();
    await mine.getByRole("textbox", { name: "Edit your message" }).fill("/run 6*7");
    await mine.getByRole("button", { name: "Send edited" }).click();
    await expect.poll(() => texts(ui.userMessages()), WAIT).toEqual(["/run 6*7"]);
    await expect.poll(async () => (await texts(ui.assistantMessages().last())).join(" "), WAIT).toContain("42");
    await ui.readyStatus().waitFor(WAIT);
    const versions = () => ui.userMessages().first().getByRole("group", { name: "Versions of this message" });
    await expect.poll(() => versions().innerText(), WAIT).toContain("2 / 2");

    await versions().getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => texts(ui.userMessages()), WAIT).toEqual(["/run 1+1"]);
    await expect.poll(() => versions().innerText(), WAIT).toContain("1 / 2");
    expect((await texts(ui.assistantMessages())).join(" ")).not.toContain("42");

    await versions().getByRole("button", { name: "Next version" }).click();
    await expect.poll(() => texts(ui.userMessages()), WAIT).toEqual(["/run 6*7"]);
    await expect.poll(() => versions().innerText(), WAIT).toContain("2 / 2");
    expect(server.errors).toEqual([]);
  });
});
