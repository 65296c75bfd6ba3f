import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { FrameLog, asUser, assistantFor, connect, newSession, sendChat } from "../helpers/agent";
import { workspaceText } from "../helpers/workspace";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";

afterEach(() => {
  modelOverride.current = undefined;
});

/** How many commands the sandbox server has run for a user (its own count, outside the agent). */
async function sandboxRuns(user: string): Promise<number> {
  const res = await fetch(`${env.SANDBOX_URL}/runs?user=${encodeURIComponent(user)}`, {
    headers: { authorization: `Bearer ${env.SANDBOX_TOKEN}` }
  });
  return ((await res.json()) as { runs: number }).runs;
}

async function until(check: () => Promise<boolean>, what: string, tick?: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await check().catch(() => false)) return;
    await tick?.();
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("tier 4 jobs are durable", () => {
  it("a crash while a command runs does not run it twice: the result is reconciled", async () => {
    const sub = `jobs-${crypto.randomUUID()}`;
    const user = `access:${sub}`;
    const assistant = await assistantFor(user);
    await assistant.setTierPermission(4, "allow");
    const session = await newSession(user);
    const command = "echo ran >> count.txt; sleep 1.5; echo finished";
    // After the crash the model sees the interrupted call and asks for the same command again.
    const model = new ScriptedModel([
      { tools: [{ name: "run_shell", input: { command } }] },
      { tools: [{ name: "run_shell", input: { command } }] },
      { text: "all done" }
    ]);
    modelOverride.current = () => model;

    const ws = await connect(`/agent/sub/conversation/${session}`, await asUser(sub));
    const log = new FrameLog(ws);
    sendChat(ws, "count once");
    await until(async () => (await sandboxRuns(user)) === 1, "the command to start");

    await abortAllDurableObjects(); // the agent dies while the command is still running

    const root = await assistantFor(user);
    await until(
      async () => textOf((await storedMessages(user, session)).at(-1)).includes("all done"),
      "the turn to recover",
      () => runDurableObjectAlarm(root as unknown as DurableObjectStub)
    );

    expect(await sandboxRuns(user)).toBe(1);
    expect(await workspaceText(user, "/workspace/count.txt")).toBe("ran\n");
    const parts = (await storedMessages(user, session)).flatMap((m) => m.parts).filter((p) => p.type === "tool-run_shell");
    const settled = parts.map((p) => (p as { output?: { reconciled?: boolean; stdout?: string } }).output).filter((o) => o?.stdout);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ reconciled: true, stdout: "finished\n" });
    const audit = (await root.getAudit(20)).filter((r) => r.tool === "run_shell" && r.outcome === "ok");
    expect(audit).toHaveLength(1);
    expect(log.frames.length).toBeGreaterThan(0);
  });

  it("a genuine repeat after the result was delivered runs again", async () => {
    const sub = `jobs-${crypto.randomUUID()}`;
    const user = `access:${sub}`;
    const assistant = await assistantFor(user);
    await assistant.setTierPermission(4, "allow");
    const session = await newSession(user);
    const command = "echo again >> twice.txt";
    const model = new ScriptedModel([
      { tools: [{ name: "run_shell", input: { command } }] },
      { tools: [{ name: "run_shell", input: { command } }] },
      { text: "ran it twice" }
    ]);
    modelOverride.current = () => model;
    const ws = await connect(`/agent/sub/conversation/${session}`, await asUser(sub));
    const log = new FrameLog(ws);
    await log.done(sendChat(ws, "twice please"));
    ws.close();
    expect(await sandboxRuns(user)).toBe(2);
    expect(await workspaceText(user, "/workspace/twice.txt")).toBe("again\nagain\n");
  });
});
