import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { FrameLog, asUser, assistantFor, chatOnce, connect, newSession, sendChat } from "../helpers/agent";
import { workspaceText } from "../helpers/workspace";
import { storedMessages } from "../helpers/session";
import { ProcessSandbox } from "../../src/ladder/sandbox/process";
import type { ShellOutput } from "../../src/ladder/shell";

/** A fresh user with tier 4 set to `permission`. */
async function userWithTier4(permission: "allow" | "ask" | "deny" = "allow") {
  const sub = `shell-${crypto.randomUUID()}`;
  const id = `access:${sub}`;
  const assistant = await assistantFor(id);
  await assistant.setTierPermission(4, permission);
  return { id, headers: await asUser(sub), assistant, session: await newSession(id) };
}

type ShellResult = ShellOutput;

/** Runs `/sh <command>` and returns the run_shell output stored in the transcript. */
async function sh(user: Awaited<ReturnType<typeof userWithTier4>>, command: string) {
  const reply = await chatOnce(user.session, `/sh ${command}`, user.headers);
  const messages = await storedMessages(user.id, user.session);
  const part = messages
    .flatMap((m) => m.parts)
    .filter((p) => p.type === "tool-run_shell")
    .at(-1) as { output?: ShellResult } | undefined;
  return { reply: reply.text, output: part?.output };
}

describe("tier 4: the local process sandbox", () => {
  it("runs a command and syncs the workspace both ways", async () => {
    const user = await userWithTier4();
    await chatOnce(user.session, "/write notes/in.txt hello from the workspace", user.headers);
    const { output, reply } = await sh(user, "cat notes/in.txt; echo made > notes/out.txt; rm notes/in.txt; echo done");
    expect(output).toMatchObject({ ok: true, exitCode: 0, timedOut: false, truncated: false });
    expect(output?.stdout).toBe("hello from the workspacedone\n"); // /write adds no newline
    expect(output?.changedFiles).toEqual(["/workspace/notes/out.txt"]);
    expect(reply).toContain("done");
    expect(await workspaceText(user.id, "/workspace/notes/out.txt")).toBe("made\n");
    expect(await workspaceText(user.id, "/workspace/notes/in.txt")).toBeNull();
    const [row] = await user.assistant.getAudit(1);
    expect(row).toMatchObject({ tool: "run_shell", tier: 4, outcome: "ok", approved: null });
  });

  it("streams a running command's output to its chat before the command ends; only the result is stored", async () => {
    const user = await userWithTier4();
    const ws = await connect(`/agent/sub/conversation/${user.session}`, user.headers);
    const log = new FrameLog(ws);
    const id = sendChat(ws, "/sh echo first; echo warn >&2; sleep 2; echo second");
    const live = await log.waitFor((f) => f.type === "steward_tool_output" && String(f.stdout).includes("first"), 20_000);
    // Seen while the command still sleeps: no tool result has reached the chat yet.
    expect(log.chunks(id).some((c) => c.type === "tool-output-available")).toBe(false);
    expect(live).toMatchObject({ stdout: "first\n", truncated: false });
    await log.waitFor((f) => f.type === "steward_tool_output" && String(f.stderr).includes("warn"), 20_000);
    await log.done(id);
    ws.close();
    const part = (await storedMessages(user.id, user.session)).flatMap((m) => m.parts).find((p) => p.type === "tool-run_shell") as
      | { toolCallId: string; output?: ShellResult }
      | undefined;
    expect(part?.toolCallId).toBe(live.toolCallId);
    expect(part?.output).toMatchObject({ ok: true, stdout: "first\nsecond\n", stderr: "warn\n" });
  });

  it("has no network: a loopback port the Worker can reach is unreachable from the sandbox", async () => {
    const port = env.TEST_LOOPBACK_PORT;
    // The port is really open (so the test can fail)…
    const socket = (await import("cloudflare:sockets")).connect({ hostname: "127.0.0.1", port: Number(port) });
    const reader = socket.readable.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("reachable\n");
    await socket.close();
    // …but not from a sandboxed command.
    const user = await userWithTier4();
    const { output } = await sh(user, `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3' && echo CONNECTED`);
    expect(output?.ok).toBe(false);
    expect(output?.stdout).not.toContain("CONNECTED");
    expect(output?.stdout).not.toContain("reachable");
    expect(output?.stderr).toMatch(/Network is unreachable/);
    expect(output?.text).toMatch(/no network/);
  });

  it("kills a command past its time limit, with everything it started", async () => {
    const user = await userWithTier4();
    const assistant = user.assistant;
    // A child in its own session writes a file after 1.5 s, unless it is killed with the command.
    const first = await assistant.runShell(`t-${crypto.randomUUID()}`, "(setsid sh -c 'sleep 1.5; echo survived > late.txt' &); sleep 30; echo never", 500);
    expect(first).toMatchObject({ ok: false, timedOut: true });
    expect(first.stdout).not.toContain("never");
    expect(first.text).toMatch(/time limit .* killed together with everything it started/);
    await new Promise((r) => setTimeout(r, 2_500));
    const after = await assistant.runShell(`t-${crypto.randomUUID()}`, "ls -a; cat late.txt 2>/dev/null || echo no-late-file", 5_000);
    expect(after.stdout).toContain("no-late-file");
    expect(await workspaceText(user.id, "/workspace/late.txt")).toBeNull();
  });

  it("cuts output at the limit and says how to get all of it", async () => {
    const user = await userWithTier4();
    const { output } = await sh(user, "head -c 200000 /dev/zero | tr '\\0' 'x'; echo; echo tail-marker");
    expect(output?.truncated).toBe(true);
    expect(output?.stdout.length).toBe(64 * 1024);
    expect(output?.stdout).not.toContain("tail-marker");
    expect(output?.text).toMatch(/redirect it to a workspace file/);
  });

  it("explains a missing program", async () => {
    const user = await userWithTier4();
    const { output } = await sh(user, "no-such-program-here --version");
    expect(output).toMatchObject({ ok: false, exitCode: 127 });
    expect(output?.text).toMatch(/not installed in the sandbox/);
  });

  it("never shows a secret given to the sandbox backend: not in tool output, messages or audit", async () => {
    const secret = env.TEST_SANDBOX_SECRET;
    expect(secret).toMatch(/^sk-steward-test-/);
    const user = await userWithTier4();
    const probe =
      "env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; ps -ef 2>/dev/null; ls -la /proc; grep -rs sk-steward /tmp /root /work 2>/dev/null; echo probe-done";
    const { output } = await sh(user, probe);
    expect(output?.stdout).toContain("probe-done");
    const messages = await storedMessages(user.id, user.session);
    expect(JSON.stringify(messages)).not.toContain(secret);
    expect(JSON.stringify(messages)).not.toContain(inject("sandboxToken"));
    expect(JSON.stringify(await user.assistant.getAudit(50))).not.toContain(secret);
  });

  it("the sandbox server refuses a caller without its token", async () => {
    const impostor = new ProcessSandbox(env.SANDBOX_URL ?? "", "not-the-token-0000000000");
    await expect(impostor.exec("someone", "id", { timeoutMs: 1_000, maxOutputBytes: 1024, files: [], jobId: "x" })).rejects.toThrow(
      "the sandbox refused the command: missing or wrong sandbox token"
    );
    await expect(impostor.jobResult("someone", "x")).rejects.toThrow(/missing or wrong sandbox token/);
  });

  it("deny stops a tier 4 call before anything runs", async () => {
    const user = await userWithTier4("deny");
    const { text: reply } = await chatOnce(user.session, "/sh echo should-not-run > ran.txt", user.headers);
    expect(reply).toContain('Tier 4 (container) is set to "deny"');
    expect(await workspaceText(user.id, "/workspace/ran.txt")).toBeNull();
    const [row] = await user.assistant.getAudit(1);
    expect(row).toMatchObject({ tool: "run_shell", tier: 4, outcome: "blocked" });
  });

  it("ask (the default) waits for the owner; approving runs it once", async () => {
    const user = await userWithTier4("ask");
    const ws = await connect(`/agent/sub/conversation/${user.session}`, user.headers);
    const log = new FrameLog(ws);
    const first = sendChat(ws, "/sh echo approved-run >> count.txt");
    await log.done(first);
    const request = log.chunks(first).find((c) => c.type === "tool-approval-request");
    expect(request).toBeDefined();
    expect(await workspaceText(user.id, "/workspace/count.txt")).toBeNull();
    ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: request?.toolCallId, approved: true, autoContinue: true }));
    await log.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.done === true && f.id !== first);
    ws.close();
    expect(await workspaceText(user.id, "/workspace/count.txt")).toBe("approved-run\n");
    const [row] = await user.assistant.getAudit(1);
    expect(row).toMatchObject({ tool: "run_shell", tier: 4, outcome: "ok", approved: true });
  });
});
