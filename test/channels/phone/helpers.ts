import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Transcriber } from "agents/voice";
import { modelOverride } from "../../../src/model";
import { twilioSignature } from "../../../src/channels/phone/signature";
import { assistantFor } from "../../helpers/agent";
import { ScriptedModel } from "../../helpers/scripted-model";
import type { ScriptStep } from "../../helpers/scripted-model";

/** vitest.config.ts gives the Worker this TWILIO_AUTH_TOKEN. */
export const AUTH_TOKEN = "test-twilio-auth-token";
export const WEBHOOK = "https://steward.example/phone/incoming";

/**
 * Phone audio (8 kHz μ-law) is not recognised by the local recogniser, so
 * phone tests script the transcriber: each media frame Twilio sends is heard
 * as the next scripted utterance.
 */
export function scriptedPhoneTranscriber(utterances: string[]): Transcriber {
  return {
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
}

/** Twilio's incoming-call webhook, signed with the test auth token unless a signature is given. */
export async function webhook(params: Record<string, string>, signature?: string): Promise<Response> {
  const body = new URLSearchParams(params);
  const sig = signature ?? (await twilioSignature(AUTH_TOKEN, WEBHOOK, body));
  return exports.default.fetch(WEBHOOK, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig },
    body: body.toString()
  });
}

/** A fresh owner with one registered phone number and a scripted model. */
export async function phoneOwner(steps: ScriptStep[] = []) {
  const user = `access:phone-${crypto.randomUUID()}`;
  const assistant = await assistantFor(user);
  const number = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
  expect(await assistant.addOwnerPhoneNumber(number.replace("+1415", "+1 (415) "))).toEqual([number]);
  const model = new ScriptedModel(steps);
  modelOverride.current = () => model;
  return { user, assistant, number };
}

export type TwilioEvent = { event?: string; streamSid?: string; media?: { payload: string } };

/** A loopback Twilio: the media stream's events in and out. */
export async function mediaStream(twimlText: string) {
  const url = /<Stream url="wss:\/\/[^/]+(\/phone\/stream\/[0-9a-f]+)"/.exec(twimlText)?.[1];
  expect(url).toBeTruthy();
  const res = await exports.default.fetch(`https://steward.example${url}`, { headers: { Upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const events: TwilioEvent[] = [];
  ws.addEventListener("message", (e) => typeof e.data === "string" && events.push(JSON.parse(e.data) as TwilioEvent));
  ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
  ws.send(JSON.stringify({ event: "start", start: { streamSid: "MZ123", callSid: "CA123", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000 } } }));
  const speak = () => ws.send(JSON.stringify({ event: "media", streamSid: "MZ123", media: { payload: btoa("\xff\x7f\xff\x7f") } }));
  const until = async (test: () => boolean, what: string) => {
    for (let i = 0; i < 150 && !test(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!test()) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events.slice(-4)).slice(0, 400)}`);
  };
  const media = () => events.filter((e) => e.event === "media");
  return { ws, events, media, speak, until, path: url! };
}
