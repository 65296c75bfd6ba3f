import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { fallsBack, parseFallbacks } from "../../src/model/fallback";
import { readFallbackConfigs } from "../../src/model/config";
import { DEV_USER_ID, FrameLog, assistantFor, connect, newSession, sendChat } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";

afterEach(() => {
  modelOverride.current = undefined;
});

/** One chat turn in a fresh web session of the dev user; the done frame and the streamed text. */
async function turn(prompt: string) {
  const session = await newSession(DEV_USER_ID);
  const ws = await connect(`/agent/sub/conversation/${session}`);
  const log = new FrameLog(ws);
  const id = sendChat(ws, prompt);
  const done = await log.done(id, 30_000);
  ws.close();
  const frames = log.frames.filter((f) => f.type === "cf_agent_use_chat_response" && f.id === id && typeof f.body === "string" && f.body);
  // An error frame's body is the message itself, not a JSON chunk.
  const errors = frames.filter((f) => f.error === true).map((f) => String(f.body));
  const text = frames
    .filter((f) => f.error !== true)
    .map((f) => JSON.parse(f.body as string) as { type: string; delta?: string })
    .filter((c) => c.type === "text-delta")
    .map((c) => c.delta)
    .join("");
  return { session, done, text, errors };
}

async function usageRows(session: string) {
  const assistant = await assistantFor(DEV_USER_ID);
  // Rows are written after the stream's finish part: give the RPC a moment (a deadline, not a timing).
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows = await assistant.usageRowsOf(session);
    if (rows.length > 0 || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("model fallback", () => {
  it("hands over to the next model when the first answers 503 before any output, and records who answered", async () => {
    const primary = new ScriptedModel([{ fail: 503 }], "primary");
    const backup = new ScriptedModel([{ text: ["from ", "backup"] }], "backup");
    modelOverride.current = () => [primary, backup];
    const { session, text, errors } = await turn("hello");
    expect(errors).toEqual([]);
    expect(text).toBe("from backup");
    expect([primary.calls.length, backup.calls.length]).toEqual([1, 1]);
    const rows = await usageRows(session);
    expect(rows).toEqual([expect.objectContaining({ model: "test:backup", inputTokens: 1, outputTokens: 1, steps: 1, fallbackFrom: "test:primary" })]);
    const failures = await (await assistantFor(DEV_USER_ID)).recentModelFailures();
    expect(failures[0]).toMatchObject({ model: "test:primary", error: expect.stringContaining("503") });
  });

  it("never retries once output has started: no doubled text", async () => {
    const primary = new ScriptedModel([{ failAfter: ["half an an"] }], "primary");
    const backup = new ScriptedModel([{ text: "should not appear" }], "backup");
    modelOverride.current = () => [primary, backup];
    const { text, errors } = await turn("hello");
    expect(backup.calls).toHaveLength(0);
    expect(text).toBe("half an an");
    expect(errors).toHaveLength(1);
  });

  it("gives one clear message when every model fails", async () => {
    const primary = new ScriptedModel([{ fail: 503 }], "primary");
    const backup = new ScriptedModel([{ fail: 429 }], "backup");
    modelOverride.current = () => [primary, backup];
    const { errors } = await turn("hello");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/No model could answer: test:primary failed \(.*503.*\); test:backup failed \(.*429.*\)/);
    expect([primary.calls.length, backup.calls.length]).toEqual([1, 1]);
  });

  it("does not fall back on a request the provider refused (400)", async () => {
    const primary = new ScriptedModel([{ fail: 400 }], "primary");
    const backup = new ScriptedModel([{ text: "no" }], "backup");
    modelOverride.current = () => [primary, backup];
    const { errors } = await turn("hello");
    expect(backup.calls).toHaveLength(0);
    expect(errors).toHaveLength(1);
  });

  it("records one usage row per turn, steps added up", async () => {
    const model = new ScriptedModel([{ tools: [{ name: "ls", input: { path: "/workspace" } }] }, { text: "listed" }], "solo");
    modelOverride.current = () => model;
    const { session } = await turn("list");
    const rows = await usageRows(session);
    expect(rows).toEqual([expect.objectContaining({ model: "test:solo", inputTokens: 2, outputTokens: 2, steps: 2, fallbackFrom: "" })]);
    const usage = await (await assistantFor(DEV_USER_ID)).getUsage(7);
    expect(usage.days.find((d) => d.model === "test:solo")?.turns).toBeGreaterThanOrEqual(1);
    expect(usage.limitPerDay).toBe(2_000_000); // wrangler.jsonc TOKENS_PER_DAY
  });
});

describe("fallback settings", () => {
  it("parses MODEL_FALLBACKS and checks each entry like the primary", () => {
    expect(parseFallbacks("workers-ai:@cf/meta/llama-3.1-8b-instruct, gateway:openai/gpt-5-mini")).toEqual({
      ok: true,
      list: [
        { provider: "workers-ai", model: "@cf/meta/llama-3.1-8b-instruct" },
        { provider: "gateway", model: "openai/gpt-5-mini" }
      ]
    });
    expect(parseFallbacks("")).toEqual({ ok: true, list: [] });
    expect(parseFallbacks("llama3")).toMatchObject({ ok: false, error: expect.stringContaining("provider:model") });
    expect(readFallbackConfigs({ MODEL_FALLBACKS: "gateway:openai/gpt-5-mini" })).toMatchObject({ ok: false, error: expect.stringContaining("CF_ACCOUNT_ID") });
    expect(readFallbackConfigs({ MODEL_FALLBACKS: "openai:llama3", MODEL_BASE_URL: "http://127.0.0.1:11434/v1" })).toMatchObject({ ok: true });
  });

  it("falls back only on time-outs, rate limits, server and network errors", () => {
    expect(fallsBack(new Error("network"))).toBe(true);
  });
});
