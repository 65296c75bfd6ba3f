import { describe, expect, it } from "vitest";
import { readModelConfig } from "../../src/model/config";

describe("readModelConfig", () => {
  it("treats an unset or empty provider as no model", () => {
    expect(readModelConfig({})).toEqual({ ok: true, config: null });
    expect(readModelConfig({ MODEL_PROVIDER: "" })).toEqual({ ok: true, config: null });
    expect(readModelConfig({ MODEL_PROVIDER: "none", MODEL: "x" })).toEqual({ ok: true, config: null });
  });

  it("accepts each provider with its settings", () => {
    expect(readModelConfig({ MODEL_PROVIDER: "workers-ai", MODEL: "@cf/x/y", AI_GATEWAY_ID: "gw" })).toMatchObject({
      ok: true,
      config: { MODEL_PROVIDER: "workers-ai", MODEL: "@cf/x/y", AI_GATEWAY_ID: "gw" }
    });
    expect(
      readModelConfig({ MODEL_PROVIDER: "gateway", MODEL: "openai/gpt-5-mini", CF_ACCOUNT_ID: "acc", AI_GATEWAY_ID: "gw", CF_AIG_TOKEN: "t" })
    ).toMatchObject({ ok: true });
    expect(readModelConfig({ MODEL_PROVIDER: "openai", MODEL: "llama3.2", MODEL_BASE_URL: "http://127.0.0.1:11434/v1" })).toMatchObject({
      ok: true
    });
  });

  it("names the missing or wrong variable in one clear message", () => {
    expect(readModelConfig({ MODEL_PROVIDER: "workers-ai" })).toEqual({
      ok: false,
      error: expect.stringMatching(/^Model configuration: MODEL is required/)
    });
    expect(readModelConfig({ MODEL_PROVIDER: "gateway", MODEL: "m", AI_GATEWAY_ID: "gw" })).toMatchObject({
      error: expect.stringContaining("CF_ACCOUNT_ID is required")
    });
    expect(readModelConfig({ MODEL_PROVIDER: "gateway", MODEL: "m", CF_ACCOUNT_ID: "a", AI_GATEWAY_ID: "  " })).toMatchObject({
      error: expect.stringContaining("AI_GATEWAY_ID is required")
    });
    expect(readModelConfig({ MODEL_PROVIDER: "openai", MODEL: "m", MODEL_BASE_URL: "ftp://x" })).toMatchObject({
      error: expect.stringContaining("MODEL_BASE_URL must be an http(s) URL")
    });
    expect(readModelConfig({ MODEL_PROVIDER: "openia", MODEL: "m" })).toMatchObject({
      error: expect.stringContaining('MODEL_PROVIDER must be one of workers-ai, gateway, openai (or empty for none); got "openia"')
    });
  });
});
