import { WorkersAIFluxSTT, WorkersAINova3STT } from "agents/voice";
import type { TTSProvider, Transcriber, VoiceAudioFormat } from "agents/voice";
import { AuraTTS } from "./aura-tts";
import type { AuraOutput } from "./aura-tts";
import type { CallKind } from "./endpoint";
import { LocalTTS, LocalTranscriber } from "./local-speech";

/**
 * Speech providers, chosen by configuration (never by code):
 *  - VOICE_STT = "flux" (default with an AI binding) | "nova-3" | "local";
 *  - VOICE_TTS = "aura" (default with an AI binding) | "local";
 *  - "local" is the speech server `npm run dev` starts (scripts/speech-server.mjs,
 *    SPEECH_SERVER_URL + SPEECH_SERVER_TOKEN): pocketsphinx and espeak-ng.
 * Tests install deterministic providers through `speechOverride`.
 */
export interface SpeechProviders {
  transcriber: Transcriber;
  tts: TTSProvider;
  /** What the TTS returns, announced to the client in `audio_config`; a phone line takes "pcm16" or "wav" only. */
  format: VoiceAudioFormat;
  /** The rate of raw "pcm16" speech (16 kHz when unset); a WAV says its own. */
  sampleRate?: number;
  /** The recogniser knows only the command vocabulary: a recognised phrase is sent as its slash command (src/voice/commands.ts). */
  commands?: boolean;
}

/**
 * What Aura is asked for, per call kind. The web app's VoiceClient plays MP3
 * (Aura's default). The phone bridge turns PCM16 into Twilio's 8 kHz μ-law
 * (src/channels/phone/media-stream.ts): raw linear16 at 8 kHz is encoded
 * sample for sample, with no resampling in the Worker.
 */
export const AURA_OUTPUT: Record<CallKind, { output: AuraOutput; format: VoiceAudioFormat; sampleRate?: number }> = {
  web: { output: { speaker: "asteria", encoding: "mp3" }, format: "mp3" },
  phone: { output: { speaker: "asteria", encoding: "linear16", container: "none", sample_rate: 8000 }, format: "pcm16", sampleRate: 8000 }
};

/** The one seam for tests and the bench (like modelOverride); production never sets it. */
export const speechOverride: { current?: (kind: CallKind) => SpeechProviders } = {};

export type SpeechChoice = { ok: true; providers: SpeechProviders } | { ok: false; error: string };

export function speechProviders(env: Env, kind: CallKind): SpeechChoice {
  if (speechOverride.current) return { ok: true, providers: speechOverride.current(kind) };
  return configuredSpeech(env, kind);
}

/** The providers the configuration names for a call of this kind (the override aside). */
export function configuredSpeech(env: Env, kind: CallKind): SpeechChoice {
  const stt = env.VOICE_STT || (env.AI ? "flux" : env.SPEECH_SERVER_URL ? "local" : "");
  const ttsName = env.VOICE_TTS || (env.AI ? "aura" : env.SPEECH_SERVER_URL ? "local" : "");
  const local = () => {
    if (!env.SPEECH_SERVER_URL) throw new Error("VOICE_STT/VOICE_TTS is local but SPEECH_SERVER_URL is not set");
    return { url: env.SPEECH_SERVER_URL, token: env.SPEECH_SERVER_TOKEN ?? "" };
  };
  const ai = () => {
    if (!env.AI) throw new Error("Workers AI speech needs the AI binding");
    return env.AI;
  };
  try {
    let transcriber: Transcriber;
    if (stt === "flux") transcriber = new WorkersAIFluxSTT(ai());
    else if (stt === "nova-3") transcriber = new WorkersAINova3STT(ai());
    else if (stt === "local") transcriber = new LocalTranscriber(local());
    else return { ok: false, error: "Calls need speech providers: set up the AI binding, or run `npm run dev` with espeak-ng and pocketsphinx installed." };
    const commands = stt === "local";
    if (ttsName === "aura") {
      const { output, format, sampleRate } = AURA_OUTPUT[kind];
      return { ok: true, providers: { transcriber, tts: new AuraTTS(ai(), output), format, ...(sampleRate ? { sampleRate } : {}), commands } };
    }
    // espeak-ng's WAV (16 kHz PCM16): the web app plays it, the phone bridge reads its header.
    if (ttsName === "local") return { ok: true, providers: { transcriber, tts: new LocalTTS(local()), format: "wav", commands } };
    return { ok: false, error: `unknown VOICE_TTS ${JSON.stringify(ttsName)} (aura or local)` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
