import { exports } from "cloudflare:workers";
import type { UIMessage } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import type { TTSProvider } from "agents/voice";
import { modelOverride } from "../../../src/model";
import { speechOverride } from "../../../src/voice/providers";
import { twilioSignature } from "../../../src/channels/phone/signature";
import { storedMessages, textOf } from "../../helpers/session";
import { AUTH_TOKEN, WEBHOOK, mediaStream, phoneOwner, scriptedPhoneTranscriber, webhook } from "./helpers";

afterEach(() => {
  modelOverride.current = undefined;
  speechOverride.current = undefined;
});

/** Scripted utterances; speech is the bytes of "audio:<sentence>". */
function scriptedPhoneSpeech(utterances: string[]): void {
  const tts: TTSProvider = { synthesize: async (text) => new TextEncoder().encode(`audio:${text}`).buffer as ArrayBuffer };
  speechOverride.current = () => ({ transcriber: scriptedPhoneTranscriber(utterances), tts, format: "pcm16" });
}

describe("phone calls (Twilio Media Streams)", () => {
  it("refuses a webhook with a bad signature, and an unknown number politely, creating nothing", async () => {
    const { assistant, number } = await phoneOwner();
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
    const { user, assistant, number } = await phoneOwner([{ hang: ["Let me think. ", "Still "] }, { text: "It is noon." }]);
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
    // Only Twilio's own events reach its socket: none of the chat's broadcasts (message updates, stream chunks).
    expect([...new Set(call.events.map((e) => e.event))].sort()).toEqual(["clear", "mark", "media"]);
    expect(textOf(messages.at(-1))).toBe("It is noon.");
    // Twilio's "stop" ends the stream: Steward closes the socket.
    const closed = new Promise<number>((resolve) => call.ws.addEventListener("close", (e) => resolve(e.code)));
    call.ws.send(JSON.stringify({ event: "stop", streamSid: "MZ123", stop: { callSid: "CA3" } }));
    expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r("still open"), 5_000))])).toBe(1000);

    // The stream token was used: a replay is refused.
    const replay = await exports.default.fetch(`https://steward.example${call.path}`, { headers: { Upgrade: "websocket" } });
    expect(replay.status).toBe(403);
  });

  it('"approve" on a phone call approves nothing: the call says the approval waits in the web app', async () => {
    const { user, assistant, number } = await phoneOwner([{ tools: [{ name: "run_shell", input: { command: "echo phone >> log.txt" } }] }, { text: "Done." }]);
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

describe("barge-in on a phone line", () => {
  it("talking over an answer that was all sent but that Twilio still plays clears it; once Twilio echoed its mark, it does not", async () => {
    const { user, assistant, number } = await phoneOwner([{ text: "First answer." }, { text: "Second answer." }, { text: "Third answer." }]);
    scriptedPhoneSpeech(["one", "two", "three"]);
    const call = await mediaStream(await (await webhook({ From: number, CallSid: "CA6" })).text());
    const marks = () => call.events.filter((e) => e.event === "mark") as Array<{ mark: { name: string } }>;
    const clears = () => call.events.filter((e) => e.event === "clear").length;
    const session = async () => (await assistant.listSessions()).find((s) => s.channel === "phone")!.id;
    const answered = async (text: string) => {
      for (let i = 0; i < 100; i++) {
        const messages = await storedMessages(user, await session());
        if (textOf(messages.at(-1)) === text) return messages;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no answer "${text}"`);
    };

    call.speak();
    await call.until(() => marks().length === 1, "the mark after the first answer");
    // Each piece of speech is followed by its mark.
    expect(call.events.filter((e) => e.event === "media" || e.event === "mark").map((e) => e.event)).toEqual(["media", "mark"]);
    await answered("First answer.");
    await new Promise((r) => setTimeout(r, 300)); // the turn has ended: nothing left to cancel
    call.speak(); // Twilio has not echoed the mark: the caller is still hearing the first answer
    await call.until(() => clears() === 1, "clear");
    // The answer itself was complete: it is not marked as interrupted.
    expect((await answered("Second answer.")).find((m) => textOf(m) === "First answer.")?.metadata).not.toMatchObject({ interrupted: true });

    await call.until(() => marks().length === 2, "the mark after the second answer");
    call.ws.send(JSON.stringify({ event: "mark", streamSid: "MZ123", mark: { name: marks()[1]!.mark.name } }));
    await new Promise((r) => setTimeout(r, 300));
    call.speak(); // Twilio played everything: not a barge-in
    await answered("Third answer.");
    await call.until(() => call.media().length === 3, "the third answer's speech");
    expect(clears()).toBe(1);
    call.ws.close();
  });
});

describe("a phone line's speech format", () => {
  it("refuses speech the bridge cannot turn into μ-law, saying so, instead of sending noise", async () => {
    const { number } = await phoneOwner();
    const tts: TTSProvider = { synthesize: async () => new ArrayBuffer(8) };
    speechOverride.current = () => ({ transcriber: scriptedPhoneTranscriber([]), tts, format: "mp3" });
    const twimlText = await (await webhook({ From: number, CallSid: "CA5" })).text();
    const path = /\/phone\/stream\/[0-9a-f]+/.exec(twimlText)![0];
    const res = await exports.default.fetch(`https://steward.example${path}`, { headers: { Upgrade: "websocket" } });
    const ws = res.webSocket!;
    const messages: string[] = [];
    ws.addEventListener("message", (e) => messages.push(String(e.data)));
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.accept();
    expect(await closed).toBe(4409);
    expect(messages.map((m) => JSON.parse(m) as unknown)).toEqual([
      { type: "error", message: "phone calls need PCM speech, but the speech provider returns mp3" }
    ]);
  });
});
