import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import type { ModelMessage, UIMessage } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { INTERRUPTED_APPLIED_ONCE, INTERRUPTED_NOTHING_APPLIED, journalTestHooks } from "../../src/ladder/journal";
import { journalKey } from "../../src/ladder/journal-call";
import { emailTools } from "../../src/channels/email/session-tools";
import { FrameLog, asUser, assistantFor, connect, newSession, sendChat } from "../helpers/agent";
import { workspaceText } from "../helpers/workspace";
import { ScriptedModel } from "../helpers/scripted-model";
import type { ScriptStep } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";

/**
 * Exactly once across crashes (src/ladder/journal.ts): the runtime is killed
 * after a tool's write and before its result; after recovery the write
 * happened once, the audit shows the interrupted execution, and the turn ends.
 */

afterEach(() => {
  modelOverride.current = undefined;
  journalTestHooks.holdBeforeCommit = null;
  journalTestHooks.holdAfterCommit = null;
  journalTestHooks.held.length = 0;
});

async function until(check: () => Promise<boolean>, what: string, tick?: () => Promise<unknown>, tries = 120): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check().catch(() => false)) return;
    await tick?.();
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function freshUser() {
  const sub = `journal-${crypto.randomUUID()}`;
  const id = `access:${sub}`;
  return { id, headers: await asUser(sub), session: await newSession(id) };
}

/** Starts a turn whose model calls `tool` with `input`, and again after the crash, then answers `final`. */
async function startTurn(user: Awaited<ReturnType<typeof freshUser>>, tool: string, input: Record<string, unknown>, final: string) {
  const steps: ScriptStep[] = [{ tools: [{ name: tool, input }] }, { tools: [{ name: tool, input }] }, { text: final }];
  const model = new ScriptedModel(steps);
  modelOverride.current = () => model;
  const ws = await connect(`/agent/sub/conversation/${user.session}`, user.headers);
  const log = new FrameLog(ws);
  sendChat(ws, `please use ${tool}`);
  return { model, log };
}

/** Kills every Durable Object, then drives the Assistant's alarm until the turn has its final text. */
async function crashAndRecover(user: Awaited<ReturnType<typeof freshUser>>, final: string): Promise<UIMessage[]> {
  await abortAllDurableObjects();
  const root = await assistantFor(user.id);
  await until(
    async () => textOf((await storedMessages(user.id, user.session)).at(-1)).includes(final),
    "the turn to recover",
    () => runDurableObjectAlarm(root as unknown as DurableObjectStub)
  );
  return storedMessages(user.id, user.session);
}

function toolParts(messages: UIMessage[], tool: string) {
  return messages.flatMap((m) => m.parts).filter((p) => p.type === `tool-${tool}`) as Array<{
    state: string;
    errorText?: string;
    output?: Record<string, unknown>;
  }>;
}

async function auditOf(user: { id: string; session: string }, tool: string) {
  return (await (await assistantFor(user.id)).getAudit(50)).filter((r) => r.session === user.session && r.tool === tool).reverse();
}

/** Appends a line to a workspace file, then keeps running: the crash lands in between. */
const APPEND_AND_WAIT = [
  'import { readFile, writeFile } from "node:fs/promises";',
  'let before = "";',
  'try { before = await readFile("/workspace/once.txt", "utf8"); } catch {}',
  'await writeFile("/workspace/once.txt", before + "line\\n");',
  "await new Promise((r) => setTimeout(r, 2500));",
  'return "appended";'
].join("\n");

describe("the tool-call journal", () => {
  it("tier 1: run_code killed after its write runs again cleanly; the line is written once", async () => {
    const user = await freshUser();
    await startTurn(user, "run_code", { code: APPEND_AND_WAIT }, "appended once");
    await until(async () => (await workspaceText(user.id, "/workspace/once.txt")) === "line\n", "the run's write");

    const messages = await crashAndRecover(user, "appended once");

    expect(await workspaceText(user.id, "/workspace/once.txt")).toBe("line\n");
    const parts = toolParts(messages, "run_code");
    // The model was told the interrupted run changed nothing; the re-issued one ran once.
    expect(parts.filter((p) => p.state === "output-error").map((p) => p.errorText)).toEqual([INTERRUPTED_NOTHING_APPLIED]);
    expect(parts.filter((p) => p.state === "output-available").map((p) => p.output?.value)).toEqual(["appended"]);
    const audit = await auditOf(user, "run_code");
    expect(audit.map((r) => [r.tier, r.outcome])).toEqual([
      [1, "interrupted"],
      [1, "ok"]
    ]);
    expect(audit[0]?.detail).toContain("no changes were applied");
  });

  it("tier 2: run_npm killed after its write runs again cleanly; the line is written once", async () => {
    const user = await freshUser();
    const code = `import greet from "steward-greet";\n${APPEND_AND_WAIT.replace('return "appended";', 'return greet("once");')}`;
    await startTurn(user, "run_npm", { code }, "npm appended once");
    // The first bundle pays esbuild's start-up (src/ladder/AGENTS.md): a long deadline.
    await until(async () => (await workspaceText(user.id, "/workspace/once.txt")) === "line\n", "the run's write", undefined, 400);

    const messages = await crashAndRecover(user, "npm appended once");

    expect(await workspaceText(user.id, "/workspace/once.txt")).toBe("line\n");
    const parts = toolParts(messages, "run_npm");
    expect(parts.filter((p) => p.state === "output-error").map((p) => p.errorText)).toEqual([INTERRUPTED_NOTHING_APPLIED]);
    expect(parts.filter((p) => p.state === "output-available").map((p) => p.output?.value)).toEqual(["Hello, once"]);
    const audit = await auditOf(user, "run_npm");
    expect(audit.map((r) => [r.tier, r.outcome])).toEqual([
      [2, "interrupted"],
      [2, "ok"]
    ]);
  });

  const EDIT = { path: "/workspace/count.txt", edits: [{ oldText: "count: 1", newText: "count: 1\ncount: 2" }] };

  async function withCountFile(user: { id: string }) {
    const stub = await (await assistantFor(user.id)).__getWorkspaceStub();
    await stub.fs.writeFile("/workspace/count.txt", "count: 1\n");
  }

  it("tier 0: an edit killed after it committed is not applied again; the re-issued call gets the recorded result", async () => {
    const user = await freshUser();
    await withCountFile(user);
    journalTestHooks.holdAfterCommit = "edit";
    await startTurn(user, "edit", EDIT, "edited once");
    await until(async () => journalTestHooks.held.includes("edit"), "the edit to commit");
    journalTestHooks.holdAfterCommit = null;

    const messages = await crashAndRecover(user, "edited once");

    expect(await workspaceText(user.id, "/workspace/count.txt")).toBe("count: 1\ncount: 2\n");
    const parts = toolParts(messages, "edit");
    const interrupted = parts.filter((p) => p.state === "output-error").map((p) => p.errorText ?? "");
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]).toContain(INTERRUPTED_APPLIED_ONCE);
    const settled = parts.filter((p) => p.state === "output-available").map((p) => p.output);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ reconciled: true });
    const audit = await auditOf(user, "edit");
    expect(audit.map((r) => [r.tier, r.outcome])).toEqual([
      [0, "interrupted"],
      [0, "ok"]
    ]);
    expect(audit[0]?.detail).toContain("its changes were applied once");
    expect(audit[1]?.detail).toContain("not run again");
  });

  it("tier 0: an edit killed before it committed is rolled back and applied once by the re-issued call", async () => {
    const user = await freshUser();
    await withCountFile(user);
    journalTestHooks.holdBeforeCommit = "edit";
    await startTurn(user, "edit", EDIT, "edited after rollback");
    await until(async () => journalTestHooks.held.includes("edit"), "the edit to write");
    journalTestHooks.holdBeforeCommit = null;
    // The edit is in the workspace, uncommitted, when the process dies.
    expect(await workspaceText(user.id, "/workspace/count.txt")).toBe("count: 1\ncount: 2\n");

    const messages = await crashAndRecover(user, "edited after rollback");

    expect(await workspaceText(user.id, "/workspace/count.txt")).toBe("count: 1\ncount: 2\n");
    const parts = toolParts(messages, "edit");
    expect(parts.filter((p) => p.state === "output-error").map((p) => p.errorText)).toEqual([INTERRUPTED_NOTHING_APPLIED]);
    const audit = await auditOf(user, "edit");
    expect(audit.map((r) => [r.tier, r.outcome])).toEqual([
      [0, "interrupted"],
      [0, "ok"]
    ]);
  });
});

describe("journal keys", () => {
  const input = { path: "/workspace/a.txt", content: "x" };
  const call = (id: string): ModelMessage => ({ role: "assistant", content: [{ type: "tool-call", toolCallId: id, toolName: "write", input }] });
  const result = (id: string, output: unknown): ModelMessage =>
    ({ role: "tool", content: [{ type: "tool-result", toolCallId: id, toolName: "write", output }] }) as ModelMessage;

  it("an interrupted identical call keeps the key; one whose result the model saw moves it on", async () => {
    const first = await journalKey("s", "t", "write", input, []);
    const afterCrash = await journalKey("s", "t", "write", input, [
      call("a"),
      result("a", { type: "error-text", value: "The tool call was interrupted before a result was recorded." })
    ]);
    const afterOurRepair = await journalKey("s", "t", "write", input, [call("a"), result("a", { type: "error-text", value: INTERRUPTED_NOTHING_APPLIED })]);
    const repeat = await journalKey("s", "t", "write", input, [call("a"), result("a", { type: "json", value: { ok: true } })]);
    expect(afterCrash).toBe(first);
    expect(afterOurRepair).toBe(first);
    expect(repeat).not.toBe(first);
    expect(await journalKey("s", "t2", "write", input, [])).not.toBe(first);
  });
});

describe("send_email's send-once key", () => {
  it("is the same for a call re-issued after an interruption (new tool call id), new for a deliberate repeat", async () => {
    const keys: string[] = [];
    const host = { sendEmailFromTool: async (mail: { key: string }) => (keys.push(mail.key), { ok: false as const, error: "captured" }) };
    const tools = emailTools(
      async () => host,
      () => "s",
      (input, options) => journalKey("s", "t", "send_email", input, options.messages)
    );
    const input = { to: "team@example.com", subject: "Status", text: "All good." };
    const send = (toolCallId: string, messages: ModelMessage[]) =>
      (tools.send_email?.execute as (i: unknown, o: { toolCallId: string; messages: ModelMessage[] }) => Promise<unknown>)(input, { toolCallId, messages });
    const called: ModelMessage = { role: "assistant", content: [{ type: "tool-call", toolCallId: "a", toolName: "send_email", input }] };
    const outcome = (value: unknown): ModelMessage =>
      ({ role: "tool", content: [{ type: "tool-result", toolCallId: "a", toolName: "send_email", output: value }] }) as ModelMessage;
    await send("a", []);
    await send("b", [called, outcome({ type: "error-text", value: "The tool call was interrupted before a result was recorded." })]);
    await send("c", [called, outcome({ type: "json", value: { ok: true } })]);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });
});
