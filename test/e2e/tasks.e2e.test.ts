/**
 * Scheduled tasks in the browser: create one from the Tasks view, see its next
 * run in the user's zone, pause/resume, edit, run it now and follow the unread
 * result to the schedule chat that holds the tier-1 card, refuse a bad phrase
 * in words, delete. Its own `wrangler dev` and user: a run leaves a schedule
 * chat and a notification that the shared user's tests should not see.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { WAIT, app } from "./browser";
import { useOwnServer } from "./own-server";

const DEV_USER = "tasker";
let baseURL = "";

let page: Page;
let ui: ReturnType<typeof app>;
let errors: string[] = [];

const form = () => page.getByRole("form", { name: "New task" });
const taskList = () => page.getByRole("list", { name: "Your tasks" });
const tasks = () => taskList().locator("li.task");
const task = (): Locator => tasks().first();

/** "YYYY-MM-DD HH:MM (UTC)" as shown for the next run → epoch ms. */
function shownInstant(text: string): number {
  const match = /(\d{4}-\d\d-\d\d) (\d\d:\d\d) \(UTC\)/.exec(text);
  if (!match) throw new Error(`no UTC time in ${JSON.stringify(text)}`);
  return Date.parse(`${match[1]}T${match[2]}:00Z`);
}

useOwnServer("tasks", DEV_USER, (server) => {
  ({ baseURL, page, errors } = server);
  ui = app(page);
});

describe("scheduled tasks", () => {
  test("creating “in 20m” from the Tasks view lists it with its next run in the user's zone", async () => {
    await page.goto(baseURL);
    await ui.readyStatus().waitFor(WAIT);
    await ui.view("Tasks");
    expect(page.url()).toMatch(/#\/tasks$/);
    await page.getByText("No tasks yet.").waitFor(WAIT);

    const before = Date.now();
    await form().getByRole("textbox", { name: "Schedule" }).fill("in 20m");
    await form().getByRole("textbox", { name: "Prompt" }).fill("/run 6*7");
    await form().getByRole("button", { name: "Create task" }).click();
    await expect.poll(() => form().getByRole("status").innerText(), WAIT).toContain("Created");
    expect(await form().getByRole("textbox", { name: "Prompt" }).inputValue()).toBe("");

    await expect.poll(() => tasks().count(), WAIT).toBe(1);
    expect(await task().getAttribute("data-status")).toBe("active");
    const next = shownInstant(await task().locator(".task-next").innerText());
    // Shown to the minute: 20 minutes from when we pressed the button.
    expect(next).toBeGreaterThanOrEqual(Math.floor((before + 20 * 60_000) / 60_000) * 60_000 - 60_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 20 * 60_000 + 60_000);
    expect(await task().innerText()).toContain("/run 6*7");
    expect(await task().locator(".task-last").innerText()).toBe("Not run yet");
  });

  test("an invalid phrase is refused in words next to the form and adds nothing", async () => {
    await form().getByRole("textbox", { name: "Schedule" }).fill("every 1 minutes");
    await form().getByRole("textbox", { name: "Prompt" }).fill("too eager");
    await form().getByRole("button", { name: "Create task" }).click();
    await expect.poll(() => form().getByRole("alert").innerText(), WAIT).toContain("too often; the minimum is 5 minutes");

    await form().getByRole("textbox", { name: "Schedule" }).fill("whenever you like");
    await form().getByRole("button", { name: "Create task" }).click();
    await expect.poll(() => form().getByRole("alert").innerText(), WAIT).toContain("whenever you like");
    // What was typed stays, so it can be corrected; nothing was added.
    expect(await form().getByRole("textbox", { name: "Prompt" }).inputValue()).toBe("too eager");
    await page.reload();
    await expect.poll(() => tasks().count(), WAIT).toBe(1);
    await form().getByRole("textbox", { name: "Prompt" }).fill("");
  });

  test("pause and resume: the state is stored and the next run follows", async () => {
    const actions = task().getByRole("group", { name: /^Actions for/ });
    await actions.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => task().getAttribute("data-status"), WAIT).toBe("paused");
    expect(await task().locator(".task-next").innerText()).toBe("none while paused");
    await page.reload();
    await expect.poll(() => task().getAttribute("data-status"), WAIT).toBe("paused");

    await actions.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => task().getAttribute("data-status"), WAIT).toBe("active");
    const next = shownInstant(await task().locator(".task-next").innerText());
    expect(next).toBeGreaterThan(Date.now());
  });

  test("edit changes the schedule and delivery; a bad phrase in the edit form changes nothing", async () => {
    await task().getByRole("button", { name: "Edit" }).click();
    const edit = task().getByRole("form", { name: /^Edit / });
    await edit.getByRole("textbox", { name: "Schedule" }).fill('cron "0 9 * * 99"');
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => edit.getByRole("alert").innerText(), WAIT).toContain("cron day of week value 99 is outside 0-7");
    expect(await task().locator("dd").first().innerText()).toMatch(/^once at/);

    await edit.getByRole("textbox", { name: "Schedule" }).fill("every weekday at 08:00");
    await edit.getByRole("checkbox", { name: /Quiet/ }).check();
    await edit.getByRole("combobox", { name: /^Deliver to/ }).selectOption("email");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => task().locator("dd").first().innerText(), WAIT).toMatch(/weekday|mon/i);
    const text = await task().innerText();
    expect(text).toContain("email, only when there is something to say");
    expect(shownInstant(await task().locator(".task-next").innerText()) % (24 * 3_600_000)).toBe(8 * 3_600_000);

    // Back to a plain web task for the run below.
    await task().getByRole("button", { name: "Edit" }).click();
    await edit.getByRole("checkbox", { name: /Quiet/ }).uncheck();
    await edit.getByRole("combobox", { name: /^Deliver to/ }).selectOption("web");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => task().locator("dd").nth(3).innerText(), WAIT).toBe("this app");
  });

  test("run now: the result arrives as an unread notification whose link opens the schedule chat with the tier-1 result", async () => {
    expect(await ui.unread()).toBe(0);
    await task().getByRole("button", { name: "Run now" }).click();
    await expect.poll(() => ui.unread(), { timeout: 60_000 }).toBe(1);

    const notes = page.getByRole("region", { name: /^Unread results/ });
    const note = notes.locator("li.notification");
    await expect.poll(() => note.count(), WAIT).toBe(1);
    expect(await note.innerText()).toContain("42");
    await expect.poll(() => task().locator(".task-last").innerText(), WAIT).toContain("Done (run now)");
    await task().locator(".task-history summary").click();
    expect(await task().locator(".task-history li").count()).toBe(1);
    expect(await task().locator(".task-history li").innerText()).toContain("42");

    await note.getByRole("button", { name: "Open chat" }).click();
    await expect.poll(() => page.url(), WAIT).toMatch(/#\/chat\//);
    const card = ui.toolCard("run_code");
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    expect(await card.getAttribute("data-tier")).toBe("1");
    expect(await card.innerText()).toContain("42");
    // The chat list says where this chat came from; the result is read now.
    expect(await ui.activeChat().locator(".session-channel").innerText()).toContain("scheduled task");
    await expect.poll(() => ui.unread(), WAIT).toBe(0);
    // The owner can continue the task's chat like any other.
    await ui.send("/run 6*7+1");
    await expect.poll(() => ui.toolCard("run_code").last().innerText(), WAIT).toContain("43");
  });

  test("works at phone width without sideways scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 780 });
    await page.goto(`${baseURL}/#/tasks`);
    await expect.poll(() => tasks().count(), WAIT).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole("button", { name: "Menu" }).click();
    await ui
      .nav()
      .getByRole("link", { name: /^Tasks/ })
      .waitFor(WAIT);
    await page.getByRole("button", { name: "Menu" }).click();
  });

  test("delete asks first; Keep keeps it, Delete removes it for good", async () => {
    await page.setViewportSize({ width: 1100, height: 760 });
    await task().getByRole("button", { name: "Delete" }).click();
    const confirm = task().getByRole("group", { name: /^Delete .*\?$/ });
    await confirm.getByRole("button", { name: "Keep" }).click();
    expect(await tasks().count()).toBe(1);
    await task().getByRole("button", { name: "Delete" }).click();
    await confirm.getByRole("button", { name: "Delete" }).click();
    await page.getByText("No tasks yet.").waitFor(WAIT);
    await page.reload();
    await page.getByText("No tasks yet.").waitFor(WAIT);
    // The task's chat stays, with its history.
    expect(await ui.chatButtons().filter({ hasText: "scheduled task" }).count()).toBe(1);
  });

  test("no uncaught errors in the page", () => {
    expect(errors).toEqual([]);
  });
});
