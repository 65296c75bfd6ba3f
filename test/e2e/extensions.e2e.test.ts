/**
 * Extensions and MCP connections through the browser, on its own server and
 * user: the agent writes an extension (here by /write, as a model would with
 * its write tool), the owner reviews and enables it in Settings → Extensions
 * and uses it in chat; then the owner adds a loopback MCP server in Settings →
 * Connections, sees its tools, approves one call in chat, and disconnects it.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WAIT, app } from "./browser";
import { useOwnServer } from "./own-server";
import { startOpenMcpServer } from "../fixtures/mcp-server";
import type { McpFixture } from "../fixtures/mcp-server";

let baseURL = "";
let page: Page;
let ui: ReturnType<typeof app>;
let errors: string[] = [];
let mcp: McpFixture;

useOwnServer(
  "extensions",
  "extender",
  (server) => {
    ({ baseURL, page, errors } = server);
    ui = app(page);
  },
  // Plain http to the loopback MCP fixture (never in production).
  { EXTENSION_LOOPBACK_HTTP: "1" }
);

beforeAll(async () => {
  mcp = await startOpenMcpServer();
});
afterAll(async () => {
  await mcp?.close();
});

const MANIFEST = JSON.stringify({
  name: "shout",
  version: "1.0.0",
  description: "Shouts text back",
  permissions: { network: [], workspace: "none" },
  tools: [{ name: "loud", description: "upper-case the text", inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }]
});
const CODE = 'export async function loud({ text }) { return String(text).toUpperCase() + "!"; }';

async function newChat(): Promise<void> {
  await page.goto(baseURL);
  await page.getByRole("button", { name: "New chat" }).click();
  await expect.poll(() => ui.activeChat().innerText(), WAIT).toContain("No messages yet");
}

describe("Settings → Extensions", () => {
  test("an extension the agent wrote is off until the owner reviews and enables it, then works in chat", async () => {
    await newChat();
    const written = () => ui.messageLog().locator('[data-tool="write"][data-state="complete"]').count();
    await ui.send(`/write .agents/extensions/shout/manifest.json ${MANIFEST}`);
    await expect.poll(written, WAIT).toBe(1);
    await ui.send(`/write .agents/extensions/shout/extension.js ${CODE}`);
    await expect.poll(written, WAIT).toBe(2);

    await page.goto(`${baseURL}/#/settings`);
    const region = page.getByRole("region", { name: "Extensions" });
    const shout = region.getByRole("listitem", { name: "Extension shout" });
    await expect.poll(() => shout.innerText(), WAIT).toContain("Off");
    expect(await region.getByRole("listitem", { name: "Extension tabular" }).innerText()).toContain("On");
    // The review: permissions and the exact files.
    expect(await shout.innerText()).toMatch(/Network\s+none/);
    await shout.getByText("Review its files (2)").click();
    await expect.poll(() => shout.locator("pre").first().innerText(), WAIT).toBe(CODE);
    await shout.getByRole("button", { name: "Enable shout" }).click();
    await expect.poll(() => shout.innerText(), WAIT).toMatch(/On/);

    await newChat();
    await ui.send('/tool ext_shout_loud {"text":"hello"}');
    const card = ui.toolCard("ext_shout_loud");
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    await expect.poll(() => card.innerText(), WAIT).toContain("HELLO!");
    expect(errors).toEqual([]);
  });
});

describe("Settings → Connections", () => {
  test("add a loopback MCP server, see its tools, approve one in chat, disconnect", async () => {
    await page.goto(`${baseURL}/#/settings`);
    const region = page.getByRole("region", { name: "Connections" });
    await expect.poll(() => region.innerText(), WAIT).toContain("No MCP servers connected.");
    await region.getByRole("textbox", { name: "Name" }).fill("fixture");
    await region.getByRole("textbox", { name: "Server URL" }).fill(mcp.endpoint);
    await region.getByRole("button", { name: "Add server" }).click();
    const tools = region.getByRole("list", { name: "Tools of fixture" });
    await expect.poll(() => tools.innerText(), WAIT).toContain("mcp_fixture_echo");

    await newChat();
    await ui.send('/tool mcp_fixture_echo {"text":"from the browser"}');
    const card = ui.toolCard("mcp_fixture_echo");
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("waiting-approval");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => card.getAttribute("data-state"), WAIT).toBe("complete");
    await expect.poll(() => card.innerText(), WAIT).toContain("echo: from the browser");
    expect(mcp.calls).toEqual(['echo {"text":"from the browser"}']);

    await page.goto(`${baseURL}/#/settings`);
    await region.getByRole("button", { name: "Disconnect fixture" }).click();
    await expect.poll(() => region.innerText(), WAIT).toContain("No MCP servers connected.");
    expect(errors).toEqual([]);
  });
});
