/**
 * A real crash: `wrangler dev` is SIGKILLed (every process in its group) in
 * the middle of a streamed turn, then started again on the same state. The
 * model is Steward's real `openai` provider talking HTTP to a loopback fake.
 * After restart the turn must finish, with the user's message stored once,
 * one assistant answer, and the model asked only to continue (not to start over).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { startFakeOpenAI } from "./fake-openai";
import type { FakeOpenAI } from "./fake-openai";
import { sleep, startWrangler } from "./wrangler";
import type { Wrangler } from "./wrangler";

const DEV_USER = "crash-user";
const STORY = Array.from({ length: 40 }, (_, i) => `word${i} `);
const CONTINUE = "Continue your previous response";

let fake: FakeOpenAI | undefined;
let wrangler: Wrangler | undefined;
const persistTo = mkdtempSync(join(tmpdir(), "steward-crash-"));

afterAll(async () => {
  await wrangler?.stop();
  await fake?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

interface Frame {
  type?: string;
  id?: string;
  body?: string;
  done?: boolean;
  success?: boolean;
  result?: unknown;
}

/** A WebSocket with a frame log; Node 22's WebSocket accepts headers (Origin is checked). */
async function open(baseURL: string, path: string): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const url = `${baseURL.replace("http", "ws")}${path}`;
  const ws = new WebSocket(url, { headers: { Origin: baseURL } } as unknown as string[]); // Node's WebSocket takes an options object
  const frames: Frame[] = [];
  ws.addEventListener("message", (event) => {
    try {
      frames.push(JSON.parse(String(event.data)) as Frame);
    } catch {
      // not ours
    }
  });
  await new Promise<void>((done, fail) => {
    ws.addEventListener("open", () => done(), { once: true });
    ws.addEventListener("error", () => fail(new Error(`could not open ${path}`)), { once: true });
  });
  return { ws, frames };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface StoredMessage {
  role: string;
  parts: Array<{ type: string; text?: string }>;
}
const textOf = (m: StoredMessage) => m.parts.map((p) => p.text ?? "").join("");

describe("SIGKILL of wrangler dev mid-turn", () => {
  test("the turn resumes after restart: one user message, one answer, continued rather than redone", async () => {
    fake = await startFakeOpenAI((request) => {
      const last = JSON.stringify(request.messages.at(-1));
      // The first call streams slowly so the crash lands mid-answer; a resume gets the ending.
      return last.includes(CONTINUE) ? { chunks: ["the ", "end."], delayMs: 5 } : { chunks: STORY, delayMs: 250 };
    });
    const vars = { DEV_USER, MODEL_PROVIDER: "openai", MODEL: "fake-model", MODEL_BASE_URL: fake.baseURL };
    wrangler = await startWrangler({ persistTo, vars, devUser: DEV_USER });

    const agent = await open(wrangler.baseURL, "/agent");
    agent.ws.send(JSON.stringify({ type: "rpc", id: "create", method: "createSession", args: [{ title: "crash" }] }));
    const created = await until("createSession", () => agent.frames.find((f) => f.type === "rpc" && f.id === "create"));
    const session = (created.result as { id: string }).id;
    agent.ws.close();

    const chat = await open(wrangler.baseURL, `/agent/sub/conversation/${session}`);
    chat.ws.send(
      JSON.stringify({
        type: "cf_agent_use_chat_request",
        id: "turn-1",
        init: {
          method: "POST",
          body: JSON.stringify({ messages: [{ id: "user-1", role: "user", parts: [{ type: "text", text: "tell me a story" }] }] })
        }
      })
    );
    await until("a few streamed words", () => {
      const deltas = chat.frames.filter((f) => f.id === "turn-1" && f.body?.includes('"text-delta"'));
      return deltas.length >= 6 ? deltas : undefined;
    });

    await wrangler.kill(); // the machine dies mid-stream
    expect(fake.requests).toHaveLength(1);

    wrangler = await startWrangler({ persistTo, vars, devUser: DEV_USER });
    const messagesURL = `${wrangler.baseURL}/agent/sub/conversation/${session}/get-messages`;
    const read = async (): Promise<StoredMessage[]> => {
      const response = await fetch(messagesURL);
      return response.ok ? ((await response.json()) as StoredMessage[]) : [];
    };
    // Waking the user's agent (any request) lets Think find and resume the interrupted turn.
    const messages = await until("the resumed answer", async () => {
      const stored = await read();
      return stored.some((m) => textOf(m).includes("the end.")) ? stored : undefined;
    });

    expect(messages.filter((m) => m.role === "user").map(textOf)).toEqual(["tell me a story"]);
    const answers = messages.filter((m) => m.role === "assistant");
    expect(answers).toHaveLength(1);
    // The stored partial trails the live stream (Think persists chunks in batches of 10), so the
    // answer is the words that reached storage, in order and once each, then the continuation.
    const answer = textOf(answers[0]!);
    expect(answer).toMatch(/^(word\d+ )+the end\.$/);
    const words = answer.replace("the end.", "").trim().split(" ");
    expect(words).toEqual(STORY.slice(0, words.length).map((w) => w.trim()));
    // Asked twice in all: the original call, then one continuation (not a restart of the turn).
    expect(fake.requests).toHaveLength(2);
    expect(JSON.stringify(fake.requests[1]?.messages.at(-1))).toContain(CONTINUE);
  }, 240_000);
});
