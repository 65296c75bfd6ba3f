import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { DEV_USER_ID, assistantFor, chatOnce, newSession } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";

afterEach(() => {
  modelOverride.current = undefined;
});

function systemText(model: ScriptedModel, call = 0): string {
  return JSON.stringify(model.calls[call]?.prompt.filter((m) => m.role === "system"));
}

describe("skills", () => {
  it("lists the bundled skills to the model and loads one on demand", async () => {
    const model = new ScriptedModel([{ tools: [{ name: "activate_skill", input: { name: "workspace-digest" } }] }, { text: "Loaded." }]);
    modelOverride.current = () => model;
    const session = await newSession(DEV_USER_ID);
    const { chunks } = await chatOnce(session, "what is in my workspace?");

    expect(systemText(model)).toContain("workspace-digest");
    const output = JSON.stringify(chunks.find((c) => c.type === "tool-output-available")?.output);
    expect(output).toContain("Workspace digest");
    expect(output).toContain("/workspace/reports/digest-");
    const [row] = await (await assistantFor(DEV_USER_ID)).getAudit(1);
    expect(row).toMatchObject({ tool: "activate_skill", tier: 0, outcome: "ok" });
  });

  it("picks up a skill the user writes into the workspace, on the next turn", async () => {
    const session = await newSession(DEV_USER_ID);
    await chatOnce(
      session,
      "/write .agents/skills/tea-timer/SKILL.md ---\nname: tea-timer\ndescription: Brew tea. Use when the user mentions tea.\n---\n\nSteep green tea for 3 minutes at 80 C."
    );
    const model = new ScriptedModel([{ tools: [{ name: "activate_skill", input: { name: "tea-timer" } }] }, { text: "3 minutes." }]);
    modelOverride.current = () => model;
    const { chunks } = await chatOnce(session, "how long for green tea?");
    // A catalog change mid-conversation reaches the model as a reminder (the system prompt stays cached).
    expect(JSON.stringify(model.calls[0]?.prompt)).toContain("tea-timer");
    expect(JSON.stringify(chunks.find((c) => c.type === "tool-output-available")?.output)).toContain("80 C");
  });
});
