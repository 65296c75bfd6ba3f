// Starts the local speech server (scripts/speech-server.mjs) for `npm run dev` and the e2e tests:
// returns the wrangler --var arguments that select it, or null (with a clear message) when the
// speech tools are missing — everything else still works, calls then say what is missing.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { startLoopbackServer } from "./loopback-server.mjs";

export function missingSpeechTools() {
  const missing = [];
  const has = (/** @type {string} */ cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
  if (!has("espeak-ng")) missing.push("espeak-ng");
  if (!has("sox")) missing.push("sox");
  if (!has("pocketsphinx_continuous")) missing.push("pocketsphinx pocketsphinx-en-us");
  return missing;
}

/**
 * `settings` are the Worker vars that select the server; `vars` the same as wrangler --var arguments.
 * @returns {Promise<{ url: string, token: string, child: import("node:child_process").ChildProcess, settings: Record<string, string>, vars: string[] } | null>}
 */
export async function startSpeechServer(
  /** @type {{ log?: (m: string) => void, warn?: (m: string) => void }} */ { log = console.log, warn = console.warn } = {}
) {
  const missing = missingSpeechTools();
  if (missing.length) {
    warn(
      `Voice calls without an account need the local speech server, but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not installed.\n` +
        `Install them (Debian/Ubuntu: apt-get install -y espeak-ng pocketsphinx pocketsphinx-en-us sox) and restart;\n` +
        "everything else works without them (with an AI binding, calls use Workers AI speech instead)."
    );
    return null;
  }
  const token = randomBytes(24).toString("hex");
  const env = { PATH: process.env.PATH ?? "", SPEECH_SERVER_TOKEN: token, PORT: process.env.SPEECH_PORT ?? "0" };
  const { url, child, errors } = await startLoopbackServer("speech-server.mjs", env);
  if (!url) {
    warn(`Voice calls: the local speech server did not start.\n${errors().trim()}`);
    child.kill("SIGKILL");
    return null;
  }
  log(`Speech server: ${url} (pocketsphinx + espeak-ng; calls understand the command phrases, e.g. "list my files")`);
  const settings = { VOICE_STT: "local", VOICE_TTS: "local", SPEECH_SERVER_URL: url, SPEECH_SERVER_TOKEN: token };
  const vars = Object.entries(settings).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
  return { url, token, child, settings, vars };
}
