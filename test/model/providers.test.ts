import { streamText } from "ai";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatModel, modelStatus } from "../../src/model";

const meta = { user: "access:u1", channel: "web", session: "s-1" };

function sse(...chunks: unknown[]): Response {
  const body = [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"].join("");
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

function completion(text: string) {
  return sse(
    { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: text } }] },
    { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }
  );
}

async function complete(env: Partial<Env>, prompt: string): Promise<string> {
  const result = streamText({ model: chatModel(env as Env, meta), prompt });
  return await result.text;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("configured models", () => {
  it("calls AI Gateway's OpenAI-compatible endpoint with per-user metadata (REST)", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => completion("via gateway"));
    const text = await complete(
      { MODEL_PROVIDER: "gateway", MODEL: "openai/gpt-5-mini", CF_ACCOUNT_ID: "acc123", AI_GATEWAY_ID: "steward", CF_AIG_TOKEN: "aig-token" },
      "hi"
    );
    expect(text).toBe("via gateway");
    const [url, init] = fetchSpy.mock.calls[0] ?? [];
    expect(String(url)).toBe("https://gateway.ai.cloudflare.com/v1/acc123/steward/compat/chat/completions");
    const headers = new Headers(init?.headers);
    expect(headers.get("cf-aig-authorization")).toBe("Bearer aig-token");
    expect(JSON.parse(headers.get("cf-aig-metadata") ?? "{}")).toEqual(meta);
    expect(JSON.parse(String(init?.body)).model).toBe("openai/gpt-5-mini");
  });

  it("calls any OpenAI-compatible base URL", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => completion("local llama"));
    const text = await complete({ MODEL_PROVIDER: "openai", MODEL: "llama3.2", MODEL_BASE_URL: "http://127.0.0.1:11434/v1" }, "hi");
    expect(text).toBe("local llama");
    expect(String(fetchSpy.mock.calls[0]?.[0])).toBe("http://127.0.0.1:11434/v1/chat/completions");
  });

  it("passes the gateway id and metadata to the Workers AI binding", async () => {
    const calls: Array<{ model: string; options: unknown }> = [];
    const AI = {
      run: async (model: string, _inputs: unknown, options: unknown) => {
        calls.push({ model, options });
        return { response: "from workers ai" };
      }
    } as unknown as Ai;
    const result = streamText({
      model: chatModel({ MODEL_PROVIDER: "workers-ai", MODEL: "@cf/meta/llama-3.1-8b-instruct", AI_GATEWAY_ID: "steward", AI } as unknown as Env, meta),
      prompt: "hi"
    });
    await result.consumeStream();
    expect(calls[0]?.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    expect(calls[0]?.options).toMatchObject({ gateway: { id: "steward", metadata: meta } });
  });

  it("answers slash commands without calling the configured model", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const text = await complete({ MODEL_PROVIDER: "openai", MODEL: "m", MODEL_BASE_URL: "http://127.0.0.1:1/v1" }, "/help");
    expect(text).toContain("Commands:");
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("turns a broken configuration into one clear reply, and still runs commands", async () => {
    const env = { MODEL_PROVIDER: "gateway", MODEL: "m" } as Env;
    expect(modelStatus(env)).toMatchObject({ configured: false, error: expect.stringContaining("CF_ACCOUNT_ID is required") });
    expect(await complete(env, "hello")).toContain("CF_ACCOUNT_ID is required");
    expect(await complete(env, "/help")).toContain("Commands:");
  });
});
