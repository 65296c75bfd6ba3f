/**
 * A web call through the local speech server: Chromium's fake microphone
 * plays WAV files that espeak-ng spoke (generated here), pocketsphinx hears
 * them, and espeak-ng answers. Its own `wrangler dev` with the speech server's
 * vars, and its own browser per recording (the fake microphone's file is a
 * launch flag). Recognised command phrases are slash commands; other words
 * ("okay") go to a loopback model (fake-openai.ts) that answers slowly, so a
 * barge-in can cut a running answer off.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { WAIT, app, screenshot } from "./browser";
import { startFakeOpenAI } from "./fake-openai";
import type { ChatRequest, FakeOpenAI, Reply } from "./fake-openai";
import { startWrangler } from "./wrangler";
import type { Wrangler } from "./wrangler";
import { missingSpeechTools, startSpeechServer } from "../../scripts/speech-dev.mjs";

const DEV_USER = "caller";
const dir = mkdtempSync(join(tmpdir(), "steward-voice-e2e-"));
let wrangler: Wrangler | undefined;
let model: FakeOpenAI | undefined;
let speech: { child: { kill(): void }; settings: Record<string, string> } | null = null;
let browser: Browser | undefined;
let page: Page | undefined;
let session = "";

/** A WAV of `parts`: text is spoken by espeak-ng (16 kHz mono), numbers are seconds of silence. */
function recording(name: string, parts: Array<string | number>): string {
  const files = parts.map((part, i) => {
    const file = join(dir, `${name}-${i}.wav`);
    const raw = join(dir, `${name}-${i}-raw.wav`);
    if (typeof part === "number") spawnSync("sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", file, "trim", "0", String(part)]);
    else {
      spawnSync("espeak-ng", ["-w", raw, part]);
      spawnSync("sox", [raw, "-r", "16000", "-c", "1", "-b", "16", file]);
    }
    return file;
  });
  const out = join(dir, `${name}.wav`);
  const joined = spawnSync("sox", [...files, out]);
  if (joined.status !== 0) throw new Error(`sox failed: ${joined.stderr}`);
  return out;
}

/** A browser whose microphone plays `wav` once, on the call session's page; starts the call. */
async function callWith(wav: string): Promise<{ page: Page; ui: ReturnType<typeof app> }> {
  await browser?.close();
  browser = await chromium.launch({
    executablePath: inject("chromiumPath"),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}%noloop`,
      "--autoplay-policy=no-user-gesture-required"
    ]
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(["microphone"]);
  page = await context.newPage();
  page.on("console", (m) => console.warn(`[page console] ${m.type()} ${m.text()}`));
  page.on("websocket", (ws) => ws.on("close", () => console.warn(`[page ws closed] ${ws.url()}`)));
  const ui = app(page);
  if (!session) {
    await page.goto(`${wrangler!.baseURL}/`, { waitUntil: "domcontentloaded", timeout: 60_000 });
    // The app opens (or starts) a chat first; the call is the session the Call button then opens.
    await ui.readyStatus().waitFor(WAIT);
    const before = page.url();
    await ui.nav().getByRole("button", { name: "☎ Call" }).click();
    await expect.poll(() => page!.url() !== before && /#\/chat\/[0-9a-f-]{36}/.test(page!.url()), WAIT).toBe(true);
    session = /#\/chat\/([0-9a-f-]{36})/.exec(page.url())![1]!;
  } else {
    await page.goto(`${wrangler!.baseURL}/#/chat/${session}`, { waitUntil: "domcontentloaded", timeout: 60_000 });
  }
  await page.getByRole("button", { name: "Start call" }).click({ timeout: 20_000 });
  return { page, ui };
}

/** Sentences of the slow answer to "okay": one every 0.4 s, ≈ 5 s in all. */
const LONG_ANSWER = Array.from({ length: 12 }, (_, i) => `This is sentence ${i + 1} of a long answer. `);

function answer(request: ChatRequest): Reply {
  const said = JSON.stringify(request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "");
  return /okay/i.test(said) ? { chunks: LONG_ANSWER, delayMs: 400 } : { chunks: ["Fine."], delayMs: 0 };
}

const status = () => page!.locator(".call-status").getAttribute("data-status");
const audioBytes = async () => Number(await page!.getByTestId("call-audio-bytes").innerText());
const transcript = () => page!.getByRole("list", { name: "Call transcript" });

beforeAll(async () => {
  const missing = missingSpeechTools() as string[];
  if (missing.length) throw new Error(`voice e2e needs ${missing.join(", ")} (apt-get install -y espeak-ng pocketsphinx pocketsphinx-en-us sox)`);
  speech = await startSpeechServer({ log: () => undefined });
  if (!speech) throw new Error("the local speech server did not start");
  model = await startFakeOpenAI(answer);
  const modelVars = { MODEL_PROVIDER: "openai", MODEL: "fake-model", MODEL_BASE_URL: model.baseURL };
  wrangler = await startWrangler({ persistTo: join(dir, "state"), vars: { DEV_USER, ...speech.settings, ...modelVars }, devUser: DEV_USER });
}, 180_000);

afterEach(async (ctx) => {
  await screenshot(page, ctx.task.name, "voice-");
});

afterAll(async () => {
  if (process.env.VOICE_E2E_LOG) (await import("node:fs")).writeFileSync(process.env.VOICE_E2E_LOG, wrangler?.log() ?? "");
  await browser?.close();
  await wrangler?.stop();
  await model?.close();
  speech?.child.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe("a web call", () => {
  test('saying "list my files" shows the transcript and the tool card, and speech comes back', async () => {
    const { ui } = await callWith(recording("list", [1.5, "list my files", 3]));
    await expect.poll(() => transcript().innerText(), { timeout: 30_000 }).toContain("list my files");
    await ui.toolCard("ls").first().waitFor({ timeout: 30_000 });
    await expect.poll(audioBytes, { timeout: 30_000 }).toBeGreaterThan(1000);
    await expect.poll(status, { timeout: 30_000 }).toBe("listening");
    await expect.poll(() => page!.locator(".call-metrics tbody tr").count(), WAIT).toBeGreaterThan(0);
  }, 90_000);

  test('saying "run six times seven" runs 6 * 7 (heard exactly: the speech server gives pocketsphinx a noise floor)', async () => {
    const { ui } = await callWith(recording("times", [1.5, "run six times seven", 3]));
    await expect.poll(() => transcript().innerText(), { timeout: 30_000 }).toContain("run six times seven");
    await expect.poll(() => ui.userMessages().last().innerText(), { timeout: 30_000 }).toContain("/run 6 * 7");
    await expect.poll(() => ui.toolCard("run_code").last().innerText(), { timeout: 30_000 }).toContain("42");
    await expect.poll(status, { timeout: 30_000 }).toBe("listening");
  }, 90_000);

  test("talking over a running answer barges in: the answer stops, is marked interrupted in the chat, and the next utterance is answered", async () => {
    // The model's answer to "okay" streams for ≈ 5 s; "help" is said while it runs.
    const { ui } = await callWith(recording("barge", [1.5, "okay", 2.5, "help", 3]));
    await expect.poll(() => transcript().innerText(), { timeout: 40_000 }).toContain("help");
    await expect.poll(() => page!.locator('.call-transcript li[data-role="assistant"]').count(), { timeout: 40_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(status, { timeout: 40_000 }).toBe("listening");
    // The chat keeps the partial answer, with its mark; the answer to "help" (/help) follows, not marked.
    const cut = ui.assistantMessages().filter({ hasText: "This is sentence 1 of a long answer." });
    await expect.poll(() => cut.locator(".message-interrupted").innerText(), { timeout: 20_000 }).toBe("interrupted");
    expect(await cut.innerText()).not.toContain("sentence 12");
    await expect.poll(() => ui.userMessages().last().innerText(), WAIT).toContain("/help");
    await expect.poll(() => ui.assistantMessages().last().innerText(), WAIT).not.toContain("long answer");
    expect(await ui.assistantMessages().last().locator(".message-interrupted").count()).toBe(0);
  }, 90_000);

  test('saying "approve" approves a tier 4 call by voice', async () => {
    const { ui } = await callWith(recording("approve", [1.5, "run the shell listing", 7, "approve", 4]));
    await expect.poll(() => transcript().innerText(), { timeout: 40_000 }).toContain("I need your OK to run a shell command: ls -la. Say approve or reject.");
    await expect.poll(() => transcript().innerText(), { timeout: 40_000 }).toMatch(/approve\s*$|approve\n/);
    // The card shows the call as approved (answered by voice, exactly as the web card would).
    await expect.poll(() => ui.toolCard("run_shell").last().innerText(), { timeout: 40_000 }).not.toMatch(/Approve/);
    await page!.goto(`${wrangler!.baseURL}/#/audit`);
    // Audited as approved, by voice (the e2e server has no tier 4 sandbox, so the command itself errors).
    await expect.poll(() => page!.locator("main").innerText(), { timeout: 20_000 }).toMatch(/run_shell[\s\S]*approved[\s\S]*approved by voice/);
  }, 120_000);
});
