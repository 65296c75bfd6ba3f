/**
 * The real recogniser: espeak-ng says each command phrase, the Worker's own
 * LocalTranscriber (voice-activity detection, WAV, the grammar of
 * src/voice/commands.ts) sends the utterance to the local speech server, and
 * pocketsphinx must hear it exactly. Runs in Node: LocalTranscriber only
 * needs fetch. Phone audio goes through the Worker's 8 kHz μ-law → 16 kHz
 * conversion (src/voice/audio.ts) first.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulaw8kToPcm16k } from "../../src/voice/audio";
import { commandFor } from "../../src/voice/commands";
import { LocalTranscriber } from "../../src/voice/local-speech";
import { missingSpeechTools, startSpeechServer } from "../../scripts/speech-dev.mjs";

let server: { url: string; token: string; child: { kill(): void } } | null = null;

beforeAll(async () => {
  const missing = missingSpeechTools() as string[];
  if (missing.length) throw new Error(`speech recognition tests need ${missing.join(", ")} (apt-get install -y espeak-ng pocketsphinx pocketsphinx-en-us sox)`);
  server = await startSpeechServer({ log: () => undefined });
  if (!server) throw new Error("the local speech server did not start");
}, 30_000);

afterAll(() => server?.child.kill());

/** espeak-ng's speech as raw audio in sox's output `format` (arguments after the input file). */
function spoken(phrase: string, format: string[]): Buffer {
  const wav = spawnSync("espeak-ng", ["--stdout", phrase], { maxBuffer: 1 << 24 }).stdout;
  const out = spawnSync("sox", ["-t", "wav", "-", ...format, "-t", "raw", "-"], { input: wav, maxBuffer: 1 << 24 });
  if (out.status !== 0) throw new Error(`sox failed: ${out.stderr}`);
  return out.stdout;
}

/** What the Worker's transcriber hears in 16 kHz PCM16, fed in 20 ms chunks with a second of silence around it. */
async function hear(pcm: Int16Array): Promise<string> {
  const silence = new Int16Array(16_000);
  const audio = new Int16Array(silence.length * 2 + pcm.length);
  audio.set(pcm, silence.length);
  let timer: NodeJS.Timeout | undefined;
  const session = new LocalTranscriber(server!).createSession({ onUtterance: (text) => done(text) });
  let done: (text: string) => void = () => undefined;
  const heard = new Promise<string>((resolve, reject) => {
    done = resolve;
    timer = setTimeout(() => reject(new Error("nothing was recognised within 15 s")), 15_000);
  });
  for (let at = 0; at < audio.length; at += 320) session.feed(audio.slice(at, at + 320).buffer);
  try {
    return await heard;
  } finally {
    clearTimeout(timer);
    session.close();
  }
}

const web = (phrase: string) => {
  const raw = spoken(phrase, ["-r", "16000", "-c", "1", "-b", "16", "-e", "signed"]);
  return new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
};
const phone = (phrase: string) => mulaw8kToPcm16k(new Uint8Array(spoken(phrase, ["-r", "8000", "-c", "1", "-e", "mu-law"])));

const PHRASES: Array<[string, string | null]> = [
  ["list my files", "/ls"],
  ["run six times seven", "/run 6 * 7"],
  ["run two plus three", "/run 2 + 3"],
  ["run the shell listing", "/sh ls -la"],
  ["show the audit", "/audit"],
  ["show my tiers", "/tiers"],
  ["list my schedules", "/schedules"],
  ["help", "/help"],
  ["approve", null],
  ["reject", null],
  ["okay", null]
];

describe("the local recogniser hears the command phrases exactly", () => {
  it.each(PHRASES)("web audio (16 kHz): %s → %s", async (phrase, command) => {
    expect(await hear(web(phrase))).toBe(phrase);
    expect(commandFor(phrase)).toBe(command);
  });

  // Narrowband speech has no energy above 4 kHz, where /s/ lives: "six" is heard as "two" (measured), so
  // numbers are left out on the phone; everything else is heard exactly.
  it.each(PHRASES.filter(([phrase]) => !/six|seven/.test(phrase)))("phone audio (8 kHz μ-law): %s", async (phrase) => {
    expect(await hear(phone(phrase))).toBe(phrase);
  });
});
