#!/usr/bin/env node
// The local speech server for voice calls without a Cloudflare account
// (`npm run dev` starts it, like scripts/sandbox-server.mjs for tier 4):
//   POST /recognize {grammar, wav}  → {text}   pocketsphinx, one utterance per request, against a JSGF grammar
//   POST /speak     {text}          → audio/wav espeak-ng, resampled by sox to 16 kHz mono PCM16
//   GET  /health                    → {recognize, speak}: which tools are installed
// The Worker cuts utterances by voice-activity detection first (pocketsphinx loses all but the last
// utterance of a file) and sends the grammar of its command vocabulary (src/voice/commands.ts):
// open vocabulary does not work. Every request but /health needs `Authorization: Bearer $SPEECH_SERVER_TOKEN`.
//
//   SPEECH_SERVER_TOKEN=… node scripts/speech-server.mjs     (PORT=0 picks a free port)
import { createServer } from "node:http";
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createHash, timingSafeEqual } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

const token = process.env.SPEECH_SERVER_TOKEN ?? "";
if (token.length < 16) {
  console.error("speech-server: set SPEECH_SERVER_TOKEN (16+ characters) so only the Worker can use it");
  process.exit(2);
}
const MODEL = process.env.POCKETSPHINX_MODEL ?? "/usr/share/pocketsphinx/model/en-us";
const MAX_BODY = 4 * 1024 * 1024;

export function speechTools() {
  const has = (cmd, args) => spawnSync(cmd, args, { stdio: "ignore" }).error === undefined;
  return {
    recognize: has("pocketsphinx_continuous", ["-h"]),
    speak: has("espeak-ng", ["--version"]) && has("sox", ["--version"])
  };
}
const tools = speechTools();
const work = await mkdtemp(join(tmpdir(), "steward-speech-"));

const server = createServer(async (req, res) => {
  const send = (status, body, type = "application/json") => {
    res.writeHead(status, { "Content-Type": type });
    res.end(type === "application/json" ? JSON.stringify(body) : body);
  };
  try {
    if (req.method === "GET" && req.url === "/health") return send(200, tools);
    const auth = Buffer.from(req.headers.authorization ?? "");
    const expected = Buffer.from(`Bearer ${token}`);
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) return send(401, { error: "unauthorized" });
    if (req.method !== "POST") return send(405, { error: "method not allowed" });
    const body = JSON.parse((await readBody(req)).toString("utf8"));
    if (req.url === "/recognize") {
      if (!tools.recognize) return send(503, { error: "pocketsphinx is not installed (apt-get install pocketsphinx pocketsphinx-en-us)" });
      return send(200, { text: await recognize(String(body.grammar ?? ""), Buffer.from(String(body.wav ?? ""), "base64")) });
    }
    if (req.url === "/speak") {
      if (!tools.speak) return send(503, { error: "espeak-ng or sox is not installed (apt-get install espeak-ng sox)" });
      return send(200, await speak(String(body.text ?? "").slice(0, 2000)), "audio/wav");
    }
    return send(404, { error: "not found" });
  } catch (error) {
    send(500, { error: error instanceof Error ? error.message : String(error) });
  }
});
server.keepAliveTimeout = 120_000;

const grammars = new Map();
async function grammarFile(grammar) {
  const key = createHash("sha256").update(grammar).digest("hex").slice(0, 16);
  if (!grammars.has(key)) {
    const path = join(work, `${key}.gram`);
    await writeFile(path, grammar);
    grammars.set(key, path);
  }
  return grammars.get(key);
}

async function recognize(grammar, wav) {
  if (!grammar.startsWith("#JSGF")) throw new Error("a JSGF grammar is required (open vocabulary is not recognised)");
  const id = crypto.randomUUID();
  const input = join(work, `${id}.wav`);
  await writeFile(input, withNoiseFloor(wav));
  try {
    const stdout = await run("pocketsphinx_continuous", [
      "-infile",
      input,
      "-jsgf",
      await grammarFile(grammar),
      "-dict",
      join(MODEL, "cmudict-en-us.dict"),
      "-hmm",
      join(MODEL, "en-us"),
      "-logfn",
      "/dev/null"
    ]);
    return stdout.trim().split("\n").filter(Boolean).at(-1) ?? "";
  } finally {
    await rm(input, { force: true });
  }
}

/**
 * pocketsphinx's noise removal (-remove_noise, on by default) estimates the noise from the quietest frames.
 * In digitally silent input (synthesised speech, Chromium's fake microphone, μ-law silence on a phone
 * line) that estimate is zero and quiet fricatives are taken for noise: espeak-ng's "run six times seven"
 * was heard as "run six plus one", "list my files" as "help". A floor like a quiet room's (Gaussian,
 * σ = 128 of 32768, ≈ −48 dBFS; fixed seed, so a recording always decodes the same) fixes both. Measured
 * with espeak-ng over 16 kHz, Chromium-like 48→16 kHz and phone 8 kHz μ-law audio: σ 20–60 still misheard
 * some phrases, 100–160 none. A WAV that is not 16-bit PCM is passed on as it is.
 */
function withNoiseFloor(wav, sigma = 128) {
  if (wav.length < 44 || wav.toString("ascii", 0, 4) !== "RIFF" || wav.toString("ascii", 8, 12) !== "WAVE") return wav;
  let at = 12;
  let bits = 0;
  while (at + 8 <= wav.length) {
    const id = wav.toString("ascii", at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === "fmt ") bits = wav.readUInt16LE(at + 22);
    if (id === "data") {
      if (bits !== 16) return wav;
      const out = Buffer.from(wav);
      const end = Math.min(out.length, at + 8 + size) - 1;
      let seed = 0x5eed;
      const random = () => {
        // mulberry32: small, seeded, good enough for noise
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      for (let i = at + 8; i < end; i += 2) {
        const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(out.readInt16LE(i) + sigma * gauss))), i);
      }
      return out;
    }
    at += 8 + size + (size % 2);
  }
  return wav;
}

async function speak(text) {
  const id = crypto.randomUUID();
  const raw = join(work, `${id}-raw.wav`);
  const out = join(work, `${id}.wav`);
  try {
    await run("espeak-ng", ["-w", raw, "--", text || "."]);
    await run("sox", [raw, "-r", "16000", "-c", "1", "-b", "16", out]);
    return await readFile(out);
  } finally {
    await rm(raw, { force: true });
    await rm(out, { force: true });
  }
}

function run(cmd, args) {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 20_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${cmd}: ${stderr || error.message}`)) : resolve(stdout)
    )
  );
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => {
  const address = server.address();
  console.log(`speech-server listening on http://${host}:${typeof address === "object" && address ? address.port : port}`);
});
const stop = async () => {
  server.close();
  await rm(work, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
