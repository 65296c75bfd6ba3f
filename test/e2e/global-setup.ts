/**
 * End-to-end setup: build the chat page, start `wrangler dev` on a free
 * loopback port with its own throwaway state, and hand the tests its URL.
 * Like `npm run dev`, it has the local tier 4 sandbox, the local speech
 * server (when espeak-ng, sox and pocketsphinx are installed) and, for the
 * fake Twilio client, a per-run TWILIO_AUTH_TOKEN the tests sign webhooks with.
 * Teardown stops wrangler's whole process group (npx → node → workerd).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { BIN, NODE_ENV, ROOT, startWrangler } from "./wrangler";
import { startSandboxServer } from "../sandbox-server";
import { missingSpeechTools, startSpeechServer } from "../../scripts/speech-dev.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
    chromiumPath: string;
    devUser: string;
    twilioAuthToken: string;
    /** Speech tools that are not installed ("" when the shared server has the local speech server). */
    speechMissing: string;
  }
}

const RESULTS = join(ROOT, "test-results", "e2e");
const DEV_USER = "e2e-user";
/** Debian's Chromium; CHROMIUM_PATH points elsewhere (e.g. to check the failure message). */
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. The end-to-end tests drive Debian's Chromium (no browser is downloaded): ` +
        "run `apt-get update && apt-get install -y chromium` and try again."
    );
  }
  mkdirSync(RESULTS, { recursive: true });

  const started = Date.now();
  const build = spawnSync(join(BIN, "vite"), ["build", "--logLevel", "error"], { cwd: ROOT, env: NODE_ENV, encoding: "utf8" });
  if (build.status !== 0) {
    throw new Error(`vite build failed (exit ${build.status ?? build.signal}):\n${build.stdout}${build.stderr}`);
  }
  const builtMs = Date.now() - started;

  const missing = (missingSpeechTools() as string[]).join(", ");
  const speech = missing ? null : await startSpeechServer({ log: () => undefined });
  const twilioAuthToken = randomBytes(16).toString("hex");
  const persistTo = mkdtempSync(join(tmpdir(), "steward-e2e-"));
  // Tier 4 as `npm run dev` has it: the local process sandbox.
  const sandbox = await startSandboxServer("e2e");
  const vars = {
    DEV_USER,
    TWILIO_AUTH_TOKEN: twilioAuthToken,
    ...speech?.settings,
    SANDBOX_BACKEND: "process",
    SANDBOX_URL: sandbox.url,
    SANDBOX_TOKEN: sandbox.token
  };
  const wrangler = await startWrangler({ persistTo, vars, devUser: DEV_USER }).catch(async (error: unknown) => {
    speech?.child.kill();
    await sandbox.stop();
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  });
  console.log(`[e2e] vite build ${builtMs} ms; wrangler dev ready at ${wrangler.baseURL} after ${Date.now() - started - builtMs} ms`);

  project.provide("baseURL", wrangler.baseURL);
  project.provide("chromiumPath", CHROMIUM);
  project.provide("devUser", DEV_USER);
  project.provide("twilioAuthToken", twilioAuthToken);
  project.provide("speechMissing", missing || (speech ? "" : "the local speech server (it did not start)"));
  return async () => {
    await wrangler.stop();
    speech?.child.kill();
    await sandbox.stop();
    writeFileSync(join(RESULTS, "wrangler.log"), wrangler.log());
    rmSync(persistTo, { recursive: true, force: true });
  };
}
