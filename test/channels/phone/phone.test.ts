import { exports } from "cloudflare:workers";
import type { UIMessage } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import type { TTSProvider, Transcriber } from "agents/voice";
import { modelOverride } from "../../../src/model";
import { speechOverride } from "../../../src/voice/providers";
import { twilioSignature } from "../../../src/channels/phone/signature";
import { assistantFor } from "../../helpers/agent";
import { ScriptedModel } from "../../helpers/scripted-model";
import type { ScriptStep } from "../../helpers/scripted-model";
import { storedMessages, textOf } from "../../helpers/session";

const AUTH_TOKEN = "test-twilio-auth-token";
const WEBHOOK = "https://steward.example/phone/incoming";

afterEach(() => {
  modelOverride.current = undefined;
  speechOverride.current = undefined;
});

/**
 * Phone audio (8 kHz μ-law) is not recognised by the local recogniser, so
 * phone tests script the transcriber: each media frame Twilio sends is heard
 * as the next scripted utterance. Speech is the bytes of "audio:<sentence>".
 */
function scriptedPhoneSpeech(utterances: string[]): void {
  const transcriber: Transcriber = {
    createSession(options) {
      return {
        feed() {
          const next = utterances.shift();
          if (next) {
            options?.onSpeechStart?.();
            options?.onUtterance?.(next);
          }
        },
        close() {}
      };
    }
  };
  const tts: TTSProvider = { synthesize: async (text) => new TextEncoder().encode(`audio:${text}`).buffer as ArrayBuffer };
  speechOverride.current = () => ({ transcriber, tts, format: "pcm16" });
}

async function webhook(params: Record<string, string>, signature?: string): Promise<Response> {
  const body = new URLSearchParams(params);
  const sig = signature ?? (await twilioSignature(AUTH_TOKEN, WEBHOOK, body));
  return exports.default.fetch(WEBHOOK, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig },
    body: body.toString()
  });
}

async function owner(steps: ScriptStep[] = []) {
  const user = `access:phone-${crypto.randomUUID()}`;
  const assistant = await assistantFor(user);
  const number = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
  expect(await assistant.addOwnerPhoneNumber(number.replace("+1415", "+1 (415) "))).toEqual([number]);
  const model = new ScriptedModel(steps);
  modelOverride.current = () => model;
  return { user, assistant, number };
}

/** A loopback Twilio: the media stream's events in and out. */
async function mediaStream(twimlText: string) {
  const url = /<Stream url="wss:\/\/[^/]+(\/phone\/stream\/[0-9a-f]+)"/.exec(twimlText)?.[1];
  expect(url).toBeTruthy();
  const res = await exports.default.fetch(`https://steward.example${url}`, { headers: { Upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const events: Array<Record<string, unknown>> = [];
  ws.addEventListener("message", (e) => typeof e.data === "string" && events.push(JSON.parse(e.data) as Record<string, unknown>));
  ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
  ws.send(JSON.stringify({ event: "start", start: { streamSid: "MZ123", callSid: "CA123", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000 } } }));
  const speak = () => ws.send(JSON.stringify({ event: "media", streamSid: "MZ123", media: { payload: btoa("\xff\x7f\xff\x7f") } }));
  const until = async (test: () => boolean, what: string) => {
    for (let i = 0; i < 150 && !test(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!test()) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events.slice(-4)).slice(0, 400)}`);
  };
  return { ws, events, speak, until, path: url! };
}

describe("phone calls (Twilio Media Streams)", () => {
  it("refuses a webhook with a bad signature, and an unknown number politely, creating nothing", async () => {
    const { assistant, number } = await owner();
    const before = (await assistant.listSessions()).length;
    const forged = await webhook({ From: number, To: "+15550000000", CallSid: "CA1" }, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    expect(forged.status).toBe(403);
    const unsigned = await webhook({ From: number, To: "+15550000000", CallSid: "CA1" }, "");
    expect(unsigned.status).toBe(403);
    // Signed over other parameters than those sent: refused.
    const other = await twilioSignature(AUTH_TOKEN, WEBHOOK, new URLSearchParams({ From: "+15559999999" }));
    expect((await webhook({ From: number, CallSid: "CA1" }, other)).status).toBe(403);

    const unknown = await webhook({ From: "+15551230000", To: "+15550000000", CallSid: "CA2" });
    expect(unknown.status).toBe(200);
    const text = await unknown.text();
    expect(text).toContain("<Say>");
    expect(text).toContain("<Hangup/>");
    expect(text).not.toContain("<Stream");
    expect((await assistant.listSessions()).length).toBe(before);
  });

  it("bridges a known caller's media stream to a phone session: μ-law in, speech and clear out, transcript stored; the token works once", async () => {
    const { user, assistant, number } = await owner([{ hang: ["Let me think. ", "Still "] }, { text: "It is noon." }]);
    scriptedPhoneSpeech(["what time is it", "never mind, what time is it"]);
    const res = await webhook({ From: number, To: "+15550000000", CallSid: "CA3" });
    const twimlText = await res.text();
    expect(twimlText).toContain("<Connect><Stream");
    const call = await mediaStream(twimlText);

    call.speak();
    await call.until(() => call.events.some((e) => e.event === "media"), "speech");
    const media = call.events.find((e) => e.event === "media") as { streamSid: string; media: { payload: string } };
    expect(media.streamSid).toBe("MZ123");
    expect(atob(media.media.payload).length).toBeGreaterThan(0);

    call.speak(); // barge-in while the answer hangs
    await call.until(() => call.events.some((e) => e.event === "clear"), "clear");
    await call.until(() => call.events.filter((e) => e.event === "media").length >= 2, "the second answer");

    const session = (await assistant.listSessions()).find((s) => s.channel === "phone");
    expect(session?.title).toContain(number);
    await call.until(() => true, "");
    let messages: UIMessage[] = [];
    for (let i = 0; i < 50; i++) {
      messages = await storedMessages(user, session!.id);
      if (textOf(messages.at(-1)) === "It is noon.") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(messages.filter((m) => m.role === "user").map(textOf)).toEqual(["what time is it", "never mind, what time is it"]);
    expect(textOf(messages.at(-1))).toBe("It is noon.");
    call.ws.close();

    // The stream token was used: a replay is refused.
    const replay = await exports.default.fetch(`https://steward.example${call.path}`, { headers: { Upgrade: "websocket" } });
    expect(replay.status).toBe(403);
  });

  it('"approve" on a phone call approves nothing: the call says the approval waits in the web app', async () => {
    const { user, assistant, number } = await owner([{ tools: [{ name: "run_shell", input: { command: "echo phone >> log.txt" } }] }, { text: "Done." }]);
    await assistant.setTierPermission(4, "allow"); // even allowed, a phone call's effects wait for the web card
    scriptedPhoneSpeech(["run it", "approve"]);
    const call = await mediaStream(await (await webhook({ From: number, CallSid: "CA4" })).text());
    call.speak();
    await call.until(() => call.events.filter((e) => e.event === "media").length >= 1, "the notice");
    call.speak();
    await call.until(() => call.events.filter((e) => e.event === "media").length >= 2, "the refusal to approve");
    await new Promise((r) => setTimeout(r, 500));
    const session = (await assistant.listSessions()).find((s) => s.channel === "phone")!;
    const parts = (await storedMessages(user, session.id)).flatMap((m) => m.parts) as Array<{ type: string; state?: string }>;
    expect(parts.filter((p) => p.type === "tool-run_shell").map((p) => p.state)).toEqual(["approval-requested"]);
    expect(await assistant.getAudit(5)).toEqual([]);
    call.ws.close();
  });
});
