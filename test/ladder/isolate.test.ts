import { afterEach, describe, expect, it } from "vitest";
import { explainFailure, toModule } from "../../src/ladder/isolate";
import { modelOverride } from "../../src/model";
import { DEV_USER_ID, assistantFor, chatOnce, newSession } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";

afterEach(() => {
  modelOverride.current = undefined;
});

describe("tier 1 isolate", () => {
  it("has no network: fetch fails with a plain explanation naming higher tiers", async () => {
    const session = await newSession(DEV_USER_ID);
    const { text, chunks } = await chatOnce(session, '/run const r = await fetch("https://example.com/"); return r.status');
    expect(text).toContain("Tier 1 has no network access");
    expect(text).toContain("tier 3 (browser)");
    const output = chunks.find((c) => c.type === "tool-output-available")?.output as Record<string, unknown>;
    expect(output.ok).toBe(false);
    const [row] = await (await assistantFor(DEV_USER_ID)).getAudit(1);
    expect(row).toMatchObject({ session, tool: "run_code", tier: 1, outcome: "error" });
    expect(row?.detail).toContain("no network");
  });

  it("stops code past its time limit and says which tier could run it", async () => {
    modelOverride.current = () =>
      new ScriptedModel([
        // An async loop: locally workerd does not enforce the isolate's CPU limit, so a
        // synchronous `while (true) {}` would stall the test runtime itself (production
        // stops it by cpuMs). The wall-clock limit is what this test exercises.
        {
          tools: [{ name: "run_code", input: { code: "while (true) { await new Promise((r) => setTimeout(r, 5)); }", timeoutMs: 300 } }]
        },
        { text: "It timed out." }
      ]);
    const session = await newSession(DEV_USER_ID);
    const started = Date.now();
    const { chunks } = await chatOnce(session, "loop forever");
    const output = chunks.find((c) => c.type === "tool-output-available")?.output as Record<string, unknown>;
    expect(output.ok).toBe(false);
    expect(String(output.text)).toContain("did not finish within its time limit (300 ms)");
    expect(String(output.text)).toContain("tier 4 (container)");
    expect(Date.now() - started).toBeLessThan(15_000);
    // The agent still serves after a killed run.
    expect((await chatOnce(session, "/run 1+1")).text).toBe("2");
  });

  it("reports a missing module as a tier 2 job", async () => {
    const session = await newSession(DEV_USER_ID);
    const { text } = await chatOnce(session, '/run import { z } from "zod";\nreturn typeof z');
    expect(text).toContain("tier 2 (npm)");
    expect(text).toContain("run_npm");
  });

  it("reads and writes workspace files through node:fs/promises", async () => {
    const session = await newSession(DEV_USER_ID);
    await chatOnce(session, "/write in.txt hello");
    const { text } = await chatOnce(
      session,
      '/run import { readFile, writeFile } from "node:fs/promises";\nconst s = await readFile("/workspace/in.txt", "utf8");\nawait writeFile("/workspace/out.txt", s.toUpperCase());\nreturn "done"'
    );
    expect(text).toBe("done");
    expect((await chatOnce(session, "/cat out.txt")).text).toBe("HELLO");
  });
});

describe("toModule", () => {
  it("wraps an expression", () => {
    expect(toModule("6*7")).toContain("return (\n6*7\n  );");
  });
  it("wraps statements and hoists imports", () => {
    const mod = toModule('import { readFile } from "node:fs/promises";\nreturn 1;');
    expect(mod.startsWith('import { readFile } from "node:fs/promises";')).toBe(true);
    expect(mod).toContain("export default async function () {");
  });
  it("keeps a module with export default as is", () => {
    const src = "export default () => 1";
    expect(toModule(src)).toBe(src);
  });
});

describe("explainFailure", () => {
  it("falls back to the error text", () => {
    expect(explainFailure("TypeError: x is not a function", 1000)).toBe("The code failed:\nTypeError: x is not a function");
  });
});
