import type { TTSProvider } from "agents/voice";

export const AURA_MODEL = "@cf/deepgram/aura-1";

/** The output Aura is asked for (Workers AI's aura-1 input, without the text). */
export type AuraOutput = Omit<Ai_Cf_Deepgram_Aura_1_Input, "text">;

/** The part of the AI binding this provider uses (the real binding satisfies it; tests pass a fake). */
export interface AuraBinding {
  run(model: typeof AURA_MODEL, inputs: Ai_Cf_Deepgram_Aura_1_Input, options: { returnRawResponse: true; signal?: AbortSignal }): Promise<Response>;
}

/**
 * Workers AI Aura speech in the format the call's link needs. agents/voice's
 * WorkersAITTS sends only {text, speaker} and so always gets Aura's default,
 * MP3, which the phone bridge cannot turn into μ-law: here the output format
 * is part of the configuration (src/voice/providers.ts, per call kind).
 * A failed request throws with its status and Workers AI's error codes (not
 * its messages, which may quote the text: logs carry no user text); the call
 * logs it and goes on without that sentence's audio.
 */
export class AuraTTS implements TTSProvider {
  constructor(
    private readonly ai: AuraBinding,
    private readonly output: AuraOutput
  ) {}

  async synthesize(text: string, signal?: AbortSignal): Promise<ArrayBuffer | null> {
    const res = await this.ai.run(AURA_MODEL, { text, ...this.output }, { returnRawResponse: true, ...(signal ? { signal } : {}) });
    if (!res.ok) {
      const codes = await errorCodes(res);
      throw new Error(`Workers AI ${AURA_MODEL} answered ${res.status}${codes.length ? ` (error ${codes.join(", ")})` : ""}`);
    }
    const audio = await res.arrayBuffer();
    return audio.byteLength > 0 ? audio : null;
  }
}

/** The codes of a Workers AI error body ({"errors":[{"code":…}]}), if it is one. */
async function errorCodes(res: Response): Promise<number[]> {
  try {
    const body = (await res.json()) as { errors?: Array<{ code?: unknown }> };
    return (body.errors ?? []).flatMap((e) => (typeof e.code === "number" ? [e.code] : []));
  } catch {
    return [];
  }
}
