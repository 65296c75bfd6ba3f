/**
 * Bench-only Worker: Steward's real entry, unchanged, plus a bare
 * `withVoice(Agent)` baseline. Both sides hear the same scripted transcriber
 * (each binary frame is the UTF-8 text of one finished utterance), answer with
 * the same zero-latency scripted model and speak with the same byte TTS, so
 * the difference in time to audio is Steward's call pipeline (session, gate,
 * Think turn) over the SDK's own.
 *
 * Not deployed: only bench/voice/wrangler.jsonc points here.
 */
import type { LanguageModelV4, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import { Agent } from "agents";
import { withVoice } from "agents/voice";
import type { TTSProvider, Transcriber, TranscriberSession, TranscriberSessionOptions, VoiceTurnContext } from "agents/voice";
import { stewardBeside } from "../lib/beside-steward";
import { modelOverride } from "../../src/model";
import { speechOverride } from "../../src/voice/providers";

export { Assistant, Conversation, Researcher, MailReader, PhoneDirectory, EmailDirectory } from "../../src/server";

/** Two sentences: first audio after the first, last audio after the second. */
const DELTAS = ["Hello", " from", " the", " bench", " model.", " It", " answers", " in", " two", " sentences."];

class BenchModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "bench";
  readonly modelId = "scripted-voice";
  readonly supportedUrls = {};

  doGenerate(): never {
    throw new Error("bench model streams only");
  }

  async doStream(): Promise<LanguageModelV4StreamResult> {
    const parts: LanguageModelV4StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "text-start", id: "t0" }
    ];
    for (const delta of DELTAS) parts.push({ type: "text-delta", id: "t0", delta });
    parts.push(
      { type: "text-end", id: "t0" },
      {
        type: "finish",
        finishReason: { unified: "stop", raw: "stop" },
        usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }
      }
    );
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        }
      })
    };
  }
}

class ScriptedTranscriber implements Transcriber {
  createSession(options?: TranscriberSessionOptions): TranscriberSession {
    return {
      feed(chunk: ArrayBuffer) {
        const text = new TextDecoder().decode(chunk).trim();
        if (text) options?.onUtterance?.(text);
      },
      close() {}
    };
  }
}

const byteTTS: TTSProvider = {
  async synthesize(text: string) {
    return new TextEncoder().encode(`audio:${text}`).buffer as ArrayBuffer;
  }
};

modelOverride.current = () => new BenchModel();
speechOverride.current = () => ({ transcriber: new ScriptedTranscriber(), tts: byteTTS, format: "pcm16" });

const VoiceAgent = withVoice(Agent);

/** The baseline: the SDK's voice agent, streaming the same model's text. */
export class BareVoice extends VoiceAgent<Env> {
  override transcriber = new ScriptedTranscriber();
  override tts = byteTTS;

  override async onTurn(_transcript: string, context: VoiceTurnContext) {
    const { stream } = await new BenchModel().doStream();
    const reader = stream.getReader();
    async function* text() {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || context.signal.aborted) return;
        if (value.type === "text-delta") yield value.delta;
      }
    }
    return text();
  }
}

export default stewardBeside("/agents/bare-voice/");
