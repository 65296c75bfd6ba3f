import type { Connection, WSMessage } from "agents";
import type { CallLink, VoiceCall } from "../../voice/call";
import { mulaw8kToPcm16k, pcm16FromWav, pcm16ToMulaw8k } from "../../voice/audio";

/**
 * A call over Twilio Media Streams: Twilio's JSON events in and out of the
 * same call pipeline as the web app's. The phone network carries 8 kHz μ-law;
 * the transcriber gets 16 kHz PCM16, and the speech (a WAV, or raw PCM16 at
 * the rate the speech providers announce: 8 kHz from Aura) goes back as
 * μ-law. Each piece of speech is followed by a `mark`, which Twilio echoes
 * once it has played that far: until then the caller is still hearing the
 * agent, and speaking is a barge-in even if the answer was sent long ago.
 * A barge-in sends `clear`, which drops the audio Twilio has buffered but not
 * yet played.
 */
export class TwilioLink implements CallLink {
  #streamSid = "";
  /** Audio the call spoke before Twilio said which stream it is (sent once it has). */
  #early: string[] = [];
  /** Marks sent after speech that Twilio has not played up to yet. */
  readonly #unplayed = new Set<string>();
  #marks = 0;

  constructor(
    private readonly connection: Connection,
    /** The sample rate of raw PCM16 speech (a WAV's header says its own). */
    private readonly pcmRate: number
  ) {}

  /** One Twilio event: media feeds the transcriber; `stop` ends the call. */
  receive(message: WSMessage, call: VoiceCall, end: () => void): void {
    if (typeof message !== "string") return;
    let event: { event?: unknown; start?: { streamSid?: unknown }; streamSid?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      event = JSON.parse(message) as typeof event;
    } catch {
      return;
    }
    if (event.event === "start") {
      const sid = event.start?.streamSid ?? event.streamSid;
      if (typeof sid === "string") this.#streamSid = sid;
      for (const payload of this.#early.splice(0)) this.#sendSpeech(payload);
      return;
    }
    if (event.event === "mark") {
      if (typeof event.mark?.name === "string") this.#unplayed.delete(event.mark.name);
      return;
    }
    if (event.event === "media" && typeof event.media?.payload === "string") {
      const bytes = Uint8Array.from(atob(event.media.payload), (c) => c.charCodeAt(0));
      call.audio(mulaw8kToPcm16k(bytes).buffer as ArrayBuffer);
      return;
    }
    if (event.event === "stop") end();
  }

  sendJSON(): void {
    // The phone line carries audio only; transcripts are in the session.
  }

  sendAudio(audio: ArrayBuffer): void {
    const wav = pcm16FromWav(audio);
    const pcm = wav ? wav.pcm : new Int16Array(audio.slice(0, audio.byteLength - (audio.byteLength % 2)));
    const mulaw = pcm16ToMulaw8k(pcm, wav?.sampleRate || this.pcmRate);
    let binary = "";
    for (const b of mulaw) binary += String.fromCharCode(b);
    const payload = btoa(binary);
    if (!this.#streamSid) {
      this.#early.push(payload);
      return;
    }
    this.#sendSpeech(payload);
  }

  /** Whether Twilio is still playing speech sent earlier (a mark it has not echoed yet). */
  playing(): boolean {
    return this.#early.length > 0 || this.#unplayed.size > 0;
  }

  clear(): void {
    this.#early = [];
    // Twilio echoes the marks of the audio it drops; none of it will be heard.
    this.#unplayed.clear();
    if (this.#streamSid) this.#send({ event: "clear", streamSid: this.#streamSid });
  }

  #sendSpeech(payload: string): void {
    const name = `speech-${++this.#marks}`;
    this.#unplayed.add(name);
    this.#send({ event: "media", streamSid: this.#streamSid, media: { payload } });
    this.#send({ event: "mark", streamSid: this.#streamSid, mark: { name } });
  }

  close(code: number, reason: string): void {
    this.connection.close(code, reason);
  }

  #send(event: Record<string, unknown>): void {
    this.connection.send(JSON.stringify(event));
  }
}
