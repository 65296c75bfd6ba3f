/**
 * Your data, from Settings: Export gives a zip whose contents match what the
 * agent holds; Delete my agent (after typing the confirmation) removes it,
 * and the next visit starts empty. Its own server and user.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { unzip } from "../helpers/unzip";
import { WAIT, readmeShot, app, texts } from "./browser";
import { rpc } from "./daily-helpers";
import { useOwnServer } from "./own-server";

let baseURL = "";
let page: Page;
let ui: ReturnType<typeof app>;

useOwnServer("daily-data", "data-owner", (server) => {
  ({ baseURL, page } = server);
  ui = app(page);
});

const section = () => page.getByRole("region", { name: "Your data" });

describe("your data", () => {
  test("export: a zip with the chats, the workspace and the tasks", async () => {
    await page.goto(baseURL);
    await ui.send("/write diary/today.md walked the dog");
    await expect.poll(() => ui.toolCard("write").getAttribute("data-state"), WAIT).toBe("complete");
    await rpc(baseURL, "createTask", [{ when: "every day at 07:00", prompt: "Weather", title: "Weather" }]);
    await page.goto(`${baseURL}/#/settings`);
    await section().screenshot({ path: readmeShot("daily-settings-your-data.png") });
    const [download] = await Promise.all([page.waitForEvent("download"), section().getByRole("link", { name: "Export everything (.zip)" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^steward-export-\d{4}-\d\d-\d\d\.zip$/);
    const files = await unzip(new Uint8Array(readFileSync((await download.path())!)));
    expect(new TextDecoder().decode(files.get("workspace/diary/today.md"))).toBe("walked the dog");
    const index = JSON.parse(new TextDecoder().decode(files.get("chats/index.json"))) as Array<{ id: string }>;
    expect(index).toHaveLength(1);
    const chat = JSON.parse(new TextDecoder().decode(files.get(`chats/${index[0]!.id}.json`))) as { messages: Array<{ parts: Array<{ text?: string }> }> };
    expect(chat.messages[0]?.parts[0]?.text).toBe("/write diary/today.md walked the dog");
    expect(new TextDecoder().decode(files.get("data/steward_task.json"))).toContain('"title": "Weather"');
  });

  test("delete: typed confirmation, then everything is gone and a new visit starts empty", async () => {
    const button = section().getByRole("button", { name: "Delete my agent" });
    expect(await button.isDisabled()).toBe(true);
    await section().getByLabel("Type “delete my agent” to confirm").fill("delete my agent");
    await button.click();
    await expect.poll(() => section().getByRole("status").innerText(), WAIT).toContain("Your agent was deleted");

    await page.goto(baseURL);
    await page.reload();
    await ui.readyStatus().waitFor(WAIT);
    await expect.poll(() => ui.chatButtons().count(), WAIT).toBe(1); // the fresh agent's first chat
    expect(await texts(ui.userMessages())).toEqual([]);
    expect(await rpc<unknown[]>(baseURL, "listTasks", [])).toEqual([]);
    const file = await fetch(`${baseURL}/api/files?path=/workspace/diary/today.md`);
    expect(file.status).toBe(404);
  });
});
