import type { TTSProvider, Transcriber, TranscriberSession, TranscriberSessionOptions } from "agents/voice";
import { wavFromPcm16 } from "./audio";
import { voiceGrammar } from "./commands";

/**
 * The local speech server's providers (scripts/speech-server.mjs). The
 * recogniser decodes one utterance at a time against a fixed grammar, so the
 * utterances are cut here by voice-activity detection on the 16 kHz PCM.
 */
export interface SpeechServer {
  url: string;
  token: string;
}

const RATE = 16_000;
/** 20 ms frames. */
const FRAME = RATE / 50;
const SPEECH_RMS = 0.01;
/** Silence that ends an utterance. */
const END_SILENCE_FRAMES = 30;
/** Shorter bursts are clicks, not words. */
const MIN_SPEECH_FRAMES = 8;
/** An utterance never grows past this (the grammar's phrases are short). */
const MAX_FRAMES = 50 * 15;
/** Audio kept from before the speech started, so the first phoneme is not cut. */
const PREROLL_FRAMES = 10;

export class LocalTranscriber implements Transcriber {
  constructor(private readonly server: SpeechServer) {}

  createSession(options?: TranscriberSessionOptions): TranscriberSession {
    return new LocalSession(this.server, options ?? {});
  }
}

class LocalSession implements TranscriberSession {
  #pending = new Int16Array(0);
  #preroll: Int16Array[] = [];
  #speech: Int16Array[] = [];
  #speechFrames = 0;
  #silence = 0;
  #closed = false;
  /** Utterances are recognised one after another, so their transcripts arrive in order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly server: SpeechServer,
    private readonly options: TranscriberSessionOptions
  ) {}

  feed(chunk: ArrayBuffer): void {
    if (this.#closed) return;
    const incoming = new Int16Array(chunk.slice(0, chunk.byteLength - (chunk.byteLength % 2)));
    const all = new Int16Array(this.#pending.length + incoming.length);
    all.set(this.#pending);
    all.set(incoming, this.#pending.length);
    let at = 0;
    for (; at + FRAME <= all.length; at += FRAME) this.#frame(all.subarray(at, at + FRAME));
    this.#pending = all.slice(at);
  }

  #frame(frame: Int16Array): void {
    let sum = 0;
    for (const s of frame) sum += (s / 32768) ** 2;
    const loud = Math.sqrt(sum / frame.length) > SPEECH_RMS;
    const copy = frame.slice();
    if (this.#speech.length === 0) {
      if (!loud) {
        this.#preroll.push(copy);
        if (this.#preroll.length > PREROLL_FRAMES) this.#preroll.shift();
        return;
      }
      this.#speech = [...this.#preroll, copy];
      this.#preroll = [];
      this.#speechFrames = 1;
      this.#silence = 0;
      this.options.onSpeechStart?.();
      return;
    }
    this.#speech.push(copy);
    if (loud) {
      this.#speechFrames++;
      this.#silence = 0;
    } else {
      this.#silence++;
    }
    if (this.#silence >= END_SILENCE_FRAMES || this.#speech.length >= MAX_FRAMES) this.#endUtterance();
  }

  #endUtterance(): void {
    const frames = this.#speech;
    const enough = this.#speechFrames >= MIN_SPEECH_FRAMES;
    this.#speech = [];
    this.#speechFrames = 0;
    if (!enough) return;
    const pcm = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const f of frames) {
      pcm.set(f, offset);
      offset += f.length;
    }
    this.#queue = this.#queue.then(() => this.#recognise(pcm));
  }

  async #recognise(pcm: Int16Array): Promise<void> {
    try {
      const res = await fetch(`${this.server.url}/recognize`, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.server.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ grammar: voiceGrammar(), wav: base64(new Uint8Array(wavFromPcm16(pcm, RATE))) })
      });
      if (!res.ok) throw new Error(`speech server: ${res.status} ${await res.text()}`);
      const { text } = (await res.json()) as { text?: string };
      if (!this.#closed && text?.trim()) this.options.onUtterance?.(text.trim());
    } catch (error) {
      console.warn(`[steward] local recogniser failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  close(): void {
    this.#closed = true;
  }
}

export class LocalTTS implements TTSProvider {
  constructor(private readonly server: SpeechServer) {}

  async synthesize(text: string, signal?: AbortSignal): Promise<ArrayBuffer | null> {
    const res = await fetch(`${this.server.url}/speak`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.server.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ text }),
      ...(signal ? { signal } : {})
    });
    if (!res.ok) throw new Error(`speech server: ${res.status} ${await res.text()}`);
    return res.arrayBuffer();
  }
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
