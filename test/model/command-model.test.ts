import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { CommandModel, NO_MODEL_REPLY } from "../../src/model/command-model";

async function run(prompt: LanguageModelV4CallOptions["prompt"]): Promise<LanguageModelV4StreamPart[]> {
  const { stream } = await new CommandModel().doStream({ prompt } as LanguageModelV4CallOptions);
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

const text = (parts: LanguageModelV4StreamPart[]) => parts.map((p) => (p.type === "text-delta" ? p.delta : "")).join("");
const user = (t: string) => ({ role: "user" as const, content: [{ type: "text" as const, text: t }] });

describe("CommandModel", () => {
  it("emits one tool call for a command, then describes its result", async () => {
    const first = await run([user("/cat a.md")]);
    const call = first.find((p) => p.type === "tool-call");
    expect(call).toMatchObject({ toolName: "read", input: JSON.stringify({ path: "/workspace/a.md" }) });
    expect(first.at(-1)).toMatchObject({ type: "finish", finishReason: { unified: "tool-calls" } });

    const second = await run([
      user("/cat a.md"),
      { role: "assistant", content: [{ type: "tool-call", toolCallId: "1", toolName: "read", input: {} }] },
      { role: "tool", content: [{ type: "tool-result", toolCallId: "1", toolName: "read", output: { type: "text", value: "file body" } }] }
    ]);
    expect(text(second)).toBe("file body");
  });

  it("after a crash, resumes with only what was not yet said", async () => {
    const parts = await run([
      user("/help"),
      { role: "assistant", content: [{ type: "text", text: "Commands:\n  /help" }] },
      user("Continue your previous response from exactly where it left off. Do not repeat any of it.")
    ]);
    expect(`Commands:\n  /help${text(parts)}`).toBe((await run([user("/help")])).map((p) => (p.type === "text-delta" ? p.delta : "")).join(""));
  });

  it("streams word-sized deltas", async () => {
    const deltas = (await run([user("hello")])).filter((p) => p.type === "text-delta");
    expect(deltas.length).toBeGreaterThan(10);
    expect(text(deltas)).toBe(NO_MODEL_REPLY);
  });

  it("reports a failed tool as an error", async () => {
    const parts = await run([
      user("/run x"),
      { role: "tool", content: [{ type: "tool-result", toolCallId: "1", toolName: "run_code", output: { type: "error-text", value: "boom" } }] }
    ]);
    expect(text(parts)).toBe("Error: boom");
  });
});
