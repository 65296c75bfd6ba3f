/**
 * A loopback fake Twilio against the shared `wrangler dev` (which has the
 * local speech server and a per-run TWILIO_AUTH_TOKEN, test/e2e/global-setup.ts):
 * the owner adds a number in Settings; Twilio's signed incoming-call webhook is
 * answered with TwiML whose <Stream> this test opens as Twilio would, sending
 * 20 ms frames of 8 kHz μ-law that espeak-ng spoke. pocketsphinx hears them (the
 * Worker turns them into 16 kHz PCM), the answer comes back as μ-law media, a
 * second utterance barges in (`clear`), and the transcript is in the phone
 * session of the chat list. Refusals go over the same HTTP path. Everything it
 * adds to the shared dev user it removes again.
 */
import { spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { WAIT, app, launch, newPage, screenshot, texts } from "./browser";
import { sleep } from "./wrangler";

const baseURL = inject("baseURL");
const WEBHOOK = `${baseURL}/phone/incoming`;
const OWNER_NUMBER = "+14155550142";
const dir = mkdtempSync(join(tmpdir(), "steward-phone-e2e-"));
/** One 20 ms frame of 8 kHz μ-law: Twilio's media message size. */
const FRAME = 160;
/** μ-law silence (0xFF decodes to 0). */
const SILENCE = 0xff;

let browser: Browser;
let page: Page;

/** Twilio's X-Twilio-Signature, computed here independently of the Worker's code. */
function sign(url: string, params: Record<string, string>, authToken = inject("twilioAuthToken")): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join("");
  return createHmac("sha1", authToken).update(data).digest("base64");
}

async function incomingCall(params: Record<string, string>, signature = sign(WEBHOOK, params)): Promise<Response> {
  return fetch(WEBHOOK, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature },
    body: new URLSearchParams(params).toString()
  });
}

const callParams = (from: string) => ({
  AccountSid: "AC0e2e",
  CallSid: `CA${randomBytes(8).toString("hex")}`,
  From: from,
  To: "+15005550006",
  Direction: "inbound"
});

/** 8 kHz μ-law of a phrase as espeak-ng says it, between `before` and `after` seconds of silence. */
function mulawSpeech(name: string, phrase: string, before: number, after: number): Buffer {
  const raw = join(dir, `${name}.wav`);
  const ulaw = join(dir, `${name}.ul`);
  spawnSync("espeak-ng", ["-w", raw, phrase]);
  const converted = spawnSync("sox", [raw, "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", ulaw]);
  if (converted.status !== 0) throw new Error(`sox failed: ${converted.stderr}`);
  const silence = (seconds: number) => Buffer.alloc(Math.round(seconds * 50) * FRAME, SILENCE);
  return Buffer.concat([silence(before), readFileSync(ulaw), silence(after)]);
}

type TwilioEvent = { event?: string; streamSid?: string; media?: { payload?: string }; mark?: { name?: string } };

/**
 * Twilio's side of a media stream: JSON events in real time, 20 ms frames.
 * It "plays" the speech it gets on a clock (8 bytes a millisecond) and echoes
 * each mark when playback reaches it, or at once for audio a `clear` dropped.
 */
class FakeTwilioStream {
  readonly events: TwilioEvent[] = [];
  readonly closed: Promise<number>;
  #seq = 0;
  #playsUntil = 0;
  #marks = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly ws: WebSocket,
    readonly streamSid: string
  ) {
    ws.addEventListener("message", (e) => {
      if (typeof e.data !== "string") return;
      const event = JSON.parse(e.data) as TwilioEvent;
      this.events.push(event);
      const now = Date.now();
      if (event.event === "media") this.#playsUntil = Math.max(now, this.#playsUntil) + Buffer.from(event.media?.payload ?? "", "base64").length / 8;
      if (event.event === "mark" && event.mark?.name) {
        const name = event.mark.name;
        this.#marks.set(
          name,
          setTimeout(() => this.#played(name), Math.max(0, this.#playsUntil - now))
        );
      }
      if (event.event === "clear") {
        this.#playsUntil = now;
        for (const name of [...this.#marks.keys()]) this.#played(name);
      }
    });
    this.closed = new Promise((resolve) =>
      ws.addEventListener("close", (e) => {
        for (const timer of this.#marks.values()) clearTimeout(timer);
        resolve(e.code);
      })
    );
  }

  #played(name: string): void {
    clearTimeout(this.#marks.get(name));
    this.#marks.delete(name);
    if (this.ws.readyState === WebSocket.OPEN) this.send({ event: "mark", streamSid: this.streamSid, mark: { name } });
  }

  /** Whether Twilio would still be playing speech. */
  get playing(): boolean {
    return this.#marks.size > 0;
  }

  static async open(url: string): Promise<FakeTwilioStream> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error(`the media stream ${url} did not open`)), { once: true });
    });
    const stream = new FakeTwilioStream(ws, `MZ${randomBytes(16).toString("hex")}`);
    stream.send({ event: "connected", protocol: "Call", version: "1.0.0" });
    stream.send({
      event: "start",
      sequenceNumber: "1",
      start: { streamSid: stream.streamSid, callSid: "CA0e2e", tracks: ["inbound"], mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
      streamSid: stream.streamSid
    });
    return stream;
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  /** Plays μ-law audio as Twilio does: one media message per 20 ms frame. */
  async play(audio: Buffer): Promise<void> {
    for (let at = 0; at < audio.length; at += FRAME) {
      const chunk = audio.subarray(at, at + FRAME);
      this.send({
        event: "media",
        sequenceNumber: String(++this.#seq),
        media: { track: "inbound", chunk: String(this.#seq), timestamp: String(this.#seq * 20), payload: chunk.toString("base64") },
        streamSid: this.streamSid
      });
      await sleep(20);
    }
  }

  media(): TwilioEvent[] {
    return this.events.filter((e) => e.event === "media");
  }
}

/** A WebSocket upgrade's HTTP status (Node's WebSocket hides a refusal's status). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": randomBytes(16).toString("base64") }
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

const phoneRegion = (): Locator => page.getByRole("region", { name: "Phone calls" });
const phoneSessions = (): Locator => app(page).chatButtons().filter({ hasText: "Phone call from" });

async function openSettings(): Promise<void> {
  await page.goto(`${baseURL}/#/settings`);
  await phoneRegion().getByLabel("Add a number (international form)").waitFor(WAIT);
}

async function openChats(): Promise<void> {
  await page.goto(`${baseURL}/#/chat`);
  await app(page).chatButtons().first().waitFor(WAIT);
}

beforeAll(async () => {
  const missing = inject("speechMissing");
  if (missing) throw new Error(`the phone e2e test needs ${missing} (apt-get install -y espeak-ng pocketsphinx pocketsphinx-en-us sox)`);
  browser = await launch(inject("chromiumPath"));
  ({ page } = await newPage(browser));
}, 60_000);

afterEach(async (ctx) => {
  await screenshot(page, ctx.task.name, "phone-");
});

afterAll(async () => {
  // Leave the shared dev user as it was, also when a test failed midway.
  try {
    if (page) {
      await openChats();
      for (let n = await phoneSessions().count(); n > 0; n--) {
        const title = await phoneSessions().first().locator(".session-title").innerText();
        await page
          .getByRole("button", { name: `Delete ${title}` })
          .first()
          .click();
        await page
          .getByRole("group", { name: `Delete ${title}?` })
          .getByRole("button", { name: "Delete" })
          .click();
        await phoneSessions()
          .nth(n - 1)
          .waitFor({ state: "detached", ...WAIT });
      }
      await openSettings();
      const remove = phoneRegion().getByRole("button", { name: "Remove" });
      if ((await remove.count()) > 0) {
        await remove.first().click();
        await phoneRegion().getByText("No numbers yet.").waitFor(WAIT);
      }
    }
  } finally {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("a phone call through a fake Twilio", () => {
  test("the owner adds their number in Settings (a bad one is refused in words)", async () => {
    await openSettings();
    const input = phoneRegion().getByLabel("Add a number (international form)");
    await input.fill("0415 555 0142");
    await phoneRegion().getByRole("button", { name: "Add" }).click();
    await expect.poll(() => phoneRegion().getByRole("alert").innerText(), WAIT).toContain("international form");
    await input.fill("+1 (415) 555-0142");
    await phoneRegion().getByRole("button", { name: "Add" }).click();
    await expect.poll(() => phoneRegion().getByRole("list", { name: "Your phone numbers" }).innerText(), WAIT).toContain(OWNER_NUMBER);
  });

  test("refuses a bad signature and an unknown number over HTTP, creating nothing", async () => {
    await openChats();
    const before = await app(page).chatButtons().count();

    const params = callParams(OWNER_NUMBER);
    expect((await incomingCall(params, sign(WEBHOOK, params, "not-the-auth-token"))).status).toBe(403);
    expect((await incomingCall(params, "")).status).toBe(403);
    // Signed for another caller than the one sent.
    expect((await incomingCall(params, sign(WEBHOOK, { ...params, From: "+15551234567" }))).status).toBe(403);

    const unknown = await incomingCall(callParams("+15551230000"));
    expect(unknown.status).toBe(200);
    expect(unknown.headers.get("content-type")).toContain("text/xml");
    const twiml = await unknown.text();
    expect(twiml).toContain("<Say>");
    expect(twiml).toContain("<Hangup/>");
    expect(twiml).not.toContain("<Stream");

    await page.reload();
    await app(page).chatButtons().first().waitFor(WAIT);
    expect(await app(page).chatButtons().count()).toBe(before);
    expect(await phoneSessions().count()).toBe(0);
  });

  test("signed webhook → TwiML → μ-law in, speech out, clear on barge-in; the transcript is in the phone session; the stream token works once", async () => {
    const res = await incomingCall(callParams(OWNER_NUMBER));
    expect(res.status).toBe(200);
    const twiml = await res.text();
    const streamUrl = /<Connect><Stream url="([^"]+)"\/><\/Connect>/.exec(twiml)?.[1];
    // Twilio only connects wss://; wrangler dev serves plain HTTP on loopback (a tunnel adds TLS in front of it).
    expect(streamUrl).toMatch(new RegExp(`^wss://${new URL(baseURL).host}/phone/stream/[0-9a-f]{48}$`));
    const url = streamUrl!.replace(/^wss:/, "ws:");

    const call = await FakeTwilioStream.open(url);
    await call.play(mulawSpeech("tiers", "show my tiers", 0.4, 1));
    await expect.poll(() => call.media().length, { timeout: 30_000 }).toBeGreaterThan(0);
    const first = call.media()[0]!;
    expect(first.streamSid).toBe(call.streamSid);
    // Speech: 8 kHz μ-law, at least a tenth of a second of it.
    expect(Buffer.from(first.media!.payload!, "base64").length).toBeGreaterThan(800);

    // The caller talks over the answer while it plays: Twilio is told to drop what it buffered.
    const spokenBefore = call.media().length;
    expect(call.playing).toBe(true);
    await call.play(mulawSpeech("help", "help", 0, 1));
    await expect.poll(() => call.events.some((e) => e.event === "clear"), { timeout: 30_000 }).toBe(true);
    const clearAt = call.events.findIndex((e) => e.event === "clear");
    expect(clearAt).toBeGreaterThanOrEqual(spokenBefore);
    // …and the next utterance is answered.
    await expect.poll(() => call.events.slice(clearAt).filter((e) => e.event === "media").length, { timeout: 30_000 }).toBeGreaterThan(0);

    // Twilio's "stop" ends the stream: Steward closes it.
    call.send({ event: "stop", streamSid: call.streamSid, stop: { callSid: "CA0e2e" } });
    expect(await Promise.race([call.closed, sleep(10_000).then(() => "still open")])).toBe(1000);

    // The stream token was used: the same stream URL is refused.
    expect(await upgradeStatus(url.replace(/^ws:/, "http:"))).toBe(403);

    // The owner finds the call in the chat list: what pocketsphinx heard, as its commands, and the answers.
    await openChats();
    await expect.poll(() => phoneSessions().count(), WAIT).toBe(1);
    await expect.poll(() => phoneSessions().first().innerText(), WAIT).toContain(`Phone call from ${OWNER_NUMBER}`);
    await phoneSessions().first().click();
    const ui = app(page);
    await expect.poll(() => texts(ui.userMessages()), { timeout: 30_000 }).toEqual(["/tiers", "/help"]);
    await expect.poll(() => ui.assistantMessages().count(), WAIT).toBe(2);
  }, 120_000);
});
