import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuraBinding } from "../../src/voice/aura-tts";
import { mulawEncode } from "../../src/voice/audio";
import { modelOverride } from "../../src/model";
import { configuredSpeech, speechOverride } from "../../src/voice/providers";
import { asUser, assistantFor } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import type { ScriptStep } from "../helpers/scripted-model";
import { mediaStream, phoneOwner, scriptedPhoneTranscriber, webhook } from "../channels/phone/helpers";
import { ScriptedTranscriber, openCall } from "./helpers";

/**
 * Workers AI Aura as production configures it (VOICE_TTS unset, an AI
 * binding): the binding is faked at the seam, everything after it is real.
 * The transcriber stays scripted (Flux is a WebSocket to Workers AI).
 */
afterEach(() => {
  modelOverride.current = undefined;
  speechOverride.current = undefined;
  vi.restoreAllMocks();
});

type AuraRequest = { model: string; inputs: Record<string, unknown>; raw: boolean; signal: boolean };

function fakeAura(answer: (text: string, n: number) => Response, phoneUtterances: string[] = []) {
  const requests: AuraRequest[] = [];
  const ai: AuraBinding = {
    async run(model, inputs, options) {
      requests.push({ model, inputs: { ...inputs }, raw: options.returnRawResponse, signal: options.signal instanceof AbortSignal });
      return answer(inputs.text, requests.length);
    }
  };
  speechOverride.current = (kind) => {
    const choice = configuredSpeech({ AI: ai } as unknown as Env, kind);
    if (!choice.ok) throw new Error(choice.error);
    return { ...choice.providers, transcriber: kind === "phone" ? scriptedPhoneTranscriber(phoneUtterances) : new ScriptedTranscriber() };
  };
  return requests;
}

/** 8 kHz PCM16 the fake Aura "speaks" for a sentence: G.711's end points and a ramp that depends on the text. */
function pcmFor(text: string): Int16Array {
  const samples = [0, 32767, -32768, 1000, -1000];
  for (let i = 0; i < 160; i++) samples.push(((i * 397 + text.length * 31) % 20000) - 10000);
  return Int16Array.from(samples);
}

async function webCaller(steps: ScriptStep[]) {
  const sub = `aura-${crypto.randomUUID()}`;
  const assistant = await assistantFor(`access:${sub}`);
  const session = (await assistant.createCallSession()).id;
  const model = new ScriptedModel(steps);
  modelOverride.current = () => model;
  return { headers: await asUser(sub), session };
}

describe("Workers AI Aura speech, per call kind", () => {
  it("a web call asks Aura for MP3 and sends the bytes it got as they are", async () => {
    const requests = fakeAura((text) => new Response(`ID3 mp3 of ${text}`, { headers: { "Content-Type": "audio/mpeg" } }));
    const { headers, session } = await webCaller([{ text: ["Hello there. ", "How are you?"] }]);
    const call = await openCall(session, headers);
    expect(call.frames.find((f) => f.type === "audio_config")).toEqual({ type: "audio_config", format: "mp3" });
    call.say("hello");
    await call.nth("steward_call_turn", 1);
    expect(requests).toEqual([
      { model: "@cf/deepgram/aura-1", inputs: { text: "Hello there.", speaker: "asteria", encoding: "mp3" }, raw: true, signal: true },
      { model: "@cf/deepgram/aura-1", inputs: { text: "How are you?", speaker: "asteria", encoding: "mp3" }, raw: true, signal: true }
    ]);
    expect(call.audio).toEqual(["ID3 mp3 of Hello there.", "ID3 mp3 of How are you?"]);
    call.ws.close();
  });

  it("a phone call asks Aura for raw 8 kHz linear16, and Twilio gets its μ-law sample for sample", async () => {
    const requests = fakeAura((text) => new Response(pcmFor(text).buffer as ArrayBuffer), ["hello"]);
    const { number } = await phoneOwner([{ text: ["Hello there. ", "Goodbye now."] }]);
    const call = await mediaStream(await (await webhook({ From: number, CallSid: "CA-aura" })).text());
    call.speak();
    await call.until(() => call.media().length >= 2, "both sentences");
    expect(requests.map((r) => r.inputs)).toEqual([
      { text: "Hello there.", speaker: "asteria", encoding: "linear16", container: "none", sample_rate: 8000 },
      { text: "Goodbye now.", speaker: "asteria", encoding: "linear16", container: "none", sample_rate: 8000 }
    ]);
    const payloads = call.media().map((e) => Uint8Array.from(atob(e.media!.payload), (c) => c.charCodeAt(0)));
    for (const [i, text] of ["Hello there.", "Goodbye now."].entries()) {
      expect(call.media()[i]?.streamSid).toBe("MZ123");
      expect([...payloads[i]!]).toEqual([...pcmFor(text)].map(mulawEncode));
    }
    // G.711 μ-law of 0, +32767 and −32768, independently of the encoder under test.
    expect([...payloads[0]!.subarray(0, 3)]).toEqual([0xff, 0x80, 0x00]);
    call.ws.close();
  });

  it("an Aura error is logged plainly and the call goes on (no audio for that sentence)", async () => {
    const warn = vi.spyOn(console, "warn");
    const requests = fakeAura(
      (text, n) =>
        n === 1
          ? Response.json({ errors: [{ code: 3010, message: `bad input ${text}` }], success: false }, { status: 500 })
          : new Response(pcmFor(text).buffer as ArrayBuffer),
      ["first", "second"]
    );
    const { number } = await phoneOwner([{ text: "One." }, { text: "Two." }]);
    const call = await mediaStream(await (await webhook({ From: number, CallSid: "CA-aura-fail" })).text());
    call.speak();
    await call.until(() => warn.mock.calls.some((c) => String(c[0]).includes("speech synthesis failed")), "the logged failure");
    const line = String(warn.mock.calls.find((c) => String(c[0]).includes("speech synthesis failed"))?.[0]);
    expect(line).toBe("[steward] speech synthesis failed: Workers AI @cf/deepgram/aura-1 answered 500 (error 3010)");
    expect(call.media()).toEqual([]);
    // The line is still up: the next utterance is answered and spoken.
    call.speak();
    await call.until(() => call.media().length === 1, "the second answer's speech");
    expect(requests.map((r) => r.inputs.text)).toEqual(["One.", "Two."]);
    call.ws.close();
  });
});
