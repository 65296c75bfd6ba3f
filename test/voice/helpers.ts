import { expect } from "vitest";
import type { TTSProvider, Transcriber, TranscriberSession, TranscriberSessionOptions } from "agents/voice";
import { speechOverride } from "../../src/voice/providers";
import { ORIGIN } from "../helpers/agent";
import { exports } from "cloudflare:workers";

/**
 * Deterministic speech for workerd tests (the agents SDK's own voice tests do
 * the same): each binary frame the "caller" sends is the UTF-8 text of one
 * utterance; speech is the bytes of "audio:<sentence>".
 */
export class ScriptedTranscriber implements Transcriber {
  createSession(options?: TranscriberSessionOptions): TranscriberSession {
    return {
      feed(chunk: ArrayBuffer) {
        options?.onSpeechStart?.();
        const text = new TextDecoder().decode(chunk).trim();
        if (text) options?.onUtterance?.(text);
      },
      close() {}
    };
  }
}

export const byteTTS: TTSProvider = {
  async synthesize(text: string) {
    return new TextEncoder().encode(`audio:${text}`).buffer as ArrayBuffer;
  }
};

export function useScriptedSpeech(): void {
  speechOverride.current = () => ({ transcriber: new ScriptedTranscriber(), tts: byteTTS, format: "pcm16" });
}

export type VoiceFrame = Record<string, unknown>;

/** Everything a call socket received, in order: JSON frames and audio (decoded back to its text). */
export class CallLog {
  readonly events: Array<{ json?: VoiceFrame; audio?: string }> = [];
  #waiters: Array<() => void> = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(readonly ws: WebSocket) {
    // Binary frames arrive as Blobs (read asynchronously): one chain keeps every event in arrival order.
    ws.addEventListener("message", (event: MessageEvent) => {
      const data = event.data as unknown;
      this.#chain = this.#chain.then(async () => {
        if (typeof data === "string") {
          try {
            this.events.push({ json: JSON.parse(data) as VoiceFrame });
          } catch {
            return;
          }
        } else {
          const bytes = data instanceof Blob ? await data.arrayBuffer() : (data as ArrayBuffer);
          this.events.push({ audio: new TextDecoder().decode(new Uint8Array(bytes)) });
        }
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  get frames(): VoiceFrame[] {
    return this.events.flatMap((e) => (e.json ? [e.json] : []));
  }

  get audio(): string[] {
    return this.events.flatMap((e) => (e.audio !== undefined ? [e.audio] : []));
  }

  async until<T>(test: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = test();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(this.events.slice(-8))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The n-th (1-based) frame of a type, once it has arrived. */
  nth(type: string, n: number, extra: (f: VoiceFrame) => boolean = () => true): Promise<VoiceFrame> {
    return this.until(() => this.frames.filter((f) => f.type === type && extra(f))[n - 1], `${type} #${n}`);
  }

  say(text: string): void {
    this.ws.send(new TextEncoder().encode(text));
  }
}

export async function openCall(session: string, headers: Record<string, string>): Promise<CallLog> {
  const res = await exports.default.fetch(`${ORIGIN}/agent/voice/${session}`, { headers: { Upgrade: "websocket", Origin: ORIGIN, ...headers } });
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("no websocket");
  ws.accept();
  const log = new CallLog(ws);
  ws.send(JSON.stringify({ type: "start_call" }));
  await log.nth("status", 1, (f) => f.status === "listening");
  return log;
}
