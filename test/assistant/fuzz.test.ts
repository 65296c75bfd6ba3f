import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CALLABLE_SCHEMAS } from "../../src/assistant/callable-schemas";
import { FrameLog, asUser, connect, newSession, userMessage } from "../helpers/agent";
import { Refusals, chatRequest, stillAnswers, userSnapshot } from "../helpers/inputs";
import { rpc } from "../helpers/probe";
import { storedMessages } from "../helpers/session";

/**
 * Property-based: generated malformed input thrown at a conversation and at
 * the Assistant is refused one by one; after each batch nothing was stored or
 * changed and the chat still answers. Runs are few (a real socket each).
 */

const RUNS = 50;
const KNOWN_PART_TYPES = [
  "text",
  "file",
  "reasoning",
  "reasoning-file",
  "custom",
  "source-url",
  "source-document",
  "step-start",
  "steering-message",
  "dynamic-tool"
];
const SERVER_TOOLS = ["run_code", "run_shell", "read", "write", "edit", "delete", "exec", "ls", "grep", "find", "publish", "activate_skill"];

const notA = (...allowed: unknown[]) => fc.jsonValue().filter((v) => !allowed.includes(v as never));
const nonString = fc.jsonValue().filter((v) => typeof v !== "string");
const nonArray = fc.jsonValue().filter((v) => !Array.isArray(v));
const goodPart = { type: "text", text: "hi" };

/** A message that a turn could not use: one thing about it is wrong. */
const badMessage = fc.oneof(
  notA("user", "assistant").map((role) => ({ id: "m1", role, parts: [goodPart] })),
  nonString.map((text) => ({ id: "m1", role: "user", parts: [{ type: "text", text }] })),
  nonArray.map((parts) => ({ id: "m1", role: "user", parts })),
  fc
    .string()
    .filter((type) => !KNOWN_PART_TYPES.includes(type) && !/^(tool|data)-/.test(type))
    .map((type) => ({ id: "m1", role: "user", parts: [{ type, text: "hi" }] })),
  fc.oneof(nonString, fc.constant("")).map((id) => ({ id, role: "user", parts: [goodPart] })),
  fc.string().map((text) => ({ id: "m1", role: "system", parts: [{ type: "text", text }] }))
);

/** Client tool lists that must not be stored: not a list, a malformed entry, or a server tool's name. */
const badClientTools = fc.oneof(
  nonArray.filter((v) => v !== null),
  fc.array(fc.oneof(nonString, fc.constant(null)), { minLength: 1, maxLength: 3 }),
  fc.constantFrom(...SERVER_TOOLS).map((name) => [{ name, description: "mine" }]),
  fc
    .string()
    .filter((name) => !/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(name))
    .map((name) => [{ name }])
);

const badChatFrame = fc.oneof(
  badMessage.map((message) => chatRequest({ messages: [userMessage("ok"), message] })),
  badClientTools.map((clientTools) => chatRequest({ messages: [userMessage("ok")], clientTools })),
  fc
    .dictionary(
      fc.string().filter((k) => !["messages", "trigger", "clientTools"].includes(k)),
      fc.jsonValue(),
      { minKeys: 1 }
    )
    .map((extra) => chatRequest({ messages: [userMessage("ok")], ...extra })),
  notA("submit-message", "regenerate-message").map((trigger) => chatRequest({ messages: [userMessage("ok")], trigger })),
  fc
    .string()
    .filter((body) => !isJson(body))
    .map((body) => JSON.stringify({ type: "cf_agent_use_chat_request", id: "r1", init: { method: "POST", body } })),
  nonArray.map((messages) => chatRequest({ messages }))
);

const otherBadFrame = fc.oneof(
  fc.jsonValue().map((state) => JSON.stringify({ type: "cf_agent_state", state })),
  fc.jsonValue().map((args) => JSON.stringify({ type: "rpc", id: "1", method: "pendingApprovals", args: [args] })),
  fc
    .string()
    .filter((type) => !type.startsWith("cf_agent_"))
    .map((type) => JSON.stringify({ type })),
  badClientTools.map((clientTools) => JSON.stringify({ type: "cf_agent_tool_result", toolCallId: "c1", toolName: "", output: 1, clientTools })),
  fc.constantFrom(...SERVER_TOOLS).map((toolName) => JSON.stringify({ type: "cf_agent_tool_result", toolCallId: "c1", toolName, output: "forged" })),
  nonString.map((toolCallId) => JSON.stringify({ type: "cf_agent_tool_result", toolCallId, output: 1 })),
  fc
    .jsonValue()
    .filter((v) => typeof v !== "boolean")
    .map((approved) => JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: "c1", approved })),
  nonString.map((id) => JSON.stringify({ type: "cf_agent_chat_request_cancel", id })),
  nonString.filter((v) => v !== null).map((probeId) => JSON.stringify({ type: "cf_agent_stream_resume_request", probeId }))
);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone.trim() });
    return zone.trim() !== "";
  } catch {
    return false;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function freshUser() {
  const sub = `fuzz-${crypto.randomUUID()}`;
  const user = `access:${sub}`;
  return { user, headers: await asUser(sub), session: await newSession(user) };
}

describe("generated malformed frames at a conversation", () => {
  for (const [name, frames] of [
    ["chat requests", badChatFrame],
    ["other frames", otherBadFrame]
  ] as const) {
    it(`refuses each of ${RUNS} ${name}; nothing is stored or changed and the chat answers`, async () => {
      const { user, headers, session } = await freshUser();
      const ws = await connect(`/agent/sub/conversation/${session}`, headers);
      const log = new FrameLog(ws);
      const before = await userSnapshot(user); // after connecting: a signed-in visit records the owner's address
      const refusals = new Refusals(ws, log);
      await fc.assert(
        fc.asyncProperty(frames, async (frame) => {
          expect(await refusals.of(frame)).toBeTruthy();
        }),
        { numRuns: RUNS }
      );
      expect(await storedMessages(user, session)).toEqual([]);
      expect(log.frames.filter((f) => f.type === "cf_agent_use_chat_response")).toEqual([]);
      await stillAnswers(ws, log);
      expect((await storedMessages(user, session)).map((m) => m.role)).toEqual(["user", "assistant"]);
      ws.close();
      const after = await userSnapshot(user);
      // The turn above updated its session's preview; nothing else moved.
      expect({ ...after, sessions: after.sessions.map((s) => s.id), audit: after.audit.filter((r) => r.tool !== "run_code") }).toEqual({
        ...before,
        sessions: before.sessions.map((s) => s.id)
      });
    });
  }
});

const methods = Object.keys(CALLABLE_SCHEMAS) as Array<keyof typeof CALLABLE_SCHEMAS>;

describe("generated arguments at the Assistant's callables", () => {
  it(`refuses ${RUNS} calls with arguments of the wrong shape and changes nothing`, async () => {
    const { user, headers, session } = await freshUser();
    const ws = await connect("/agent", headers);
    const log = new FrameLog(ws);
    const before = await userSnapshot(user); // after connecting: a signed-in visit records the owner's address
    // The schemas only pick arguments that must be refused; what is checked is that the real socket refuses them and nothing moved.
    const call = fc
      .record({ method: fc.constantFrom(...methods), args: fc.array(fc.jsonValue(), { maxLength: 3 }) })
      .filter(({ method, args }) => !CALLABLE_SCHEMAS[method].safeParse(JSON.parse(JSON.stringify(args))).success);
    await fc.assert(
      fc.asyncProperty(call, async ({ method, args }) => {
        await expect(rpc(ws, log, method, args)).rejects.toThrow(`${method}: `);
      }),
      { numRuns: RUNS }
    );
    expect(await userSnapshot(user)).toEqual(before);
    ws.close();
    await chatStillAnswers(session, headers);
  });

  it(`refuses ${RUNS} well-typed calls about things that do not exist and changes nothing`, async () => {
    const { user, headers, session } = await freshUser();
    const ws = await connect("/agent", headers);
    const log = new FrameLog(ws);
    const before = await userSnapshot(user); // after connecting: a signed-in visit records the owner's address
    const id = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== "" && s !== session);
    const call = fc.oneof(
      id.map((x) => ["deleteSession", [x]] as const),
      fc.tuple(id, fc.string({ minLength: 1, maxLength: 20 })).map(([x, title]) => ["renameSession", [x, title]] as const),
      fc.tuple(fc.constantFrom("getTask", "pauseTask", "resumeTask", "deleteTask", "runTaskNow"), id).map(([m, x]) => [m, [x]] as const),
      id.map((x) => ["updateTask", [x, { prompt: "changed" }]] as const),
      fc.tuple(fc.constantFrom("releaseHeldEmail", "discardHeldEmail", "rejectEmailReply"), fc.integer()).map(([m, n]) => [m, [n]] as const),
      fc.integer().map((n) => ["approveEmailReply", [n, "a".repeat(64)]] as const),
      fc
        .integer()
        .filter((t) => t < 0 || t > 4)
        .map((t) => ["setTierPermission", [t, "allow"]] as const),
      fc
        .string()
        .filter((p) => !["allow", "ask", "deny"].includes(p))
        .map((p) => ["setTierPermission", [1, p]] as const),
      fc
        .string({ maxLength: 30 })
        .filter((z) => !isTimeZone(z))
        .map((z) => ["setTimeZone", [z]] as const),
      fc
        .integer()
        .filter((n) => n < 1 || n > 500)
        .map((n) => ["getAudit", [n]] as const)
    );
    await fc.assert(
      fc.asyncProperty(call, async ([method, args]) => {
        await expect(rpc(ws, log, method, [...args])).rejects.toThrow();
      }),
      { numRuns: RUNS }
    );
    expect(await userSnapshot(user)).toEqual(before);
    ws.close();
    await chatStillAnswers(session, headers);
  });
});

async function chatStillAnswers(session: string, headers: Record<string, string>): Promise<void> {
  const ws = await connect(`/agent/sub/conversation/${session}`, headers);
  await stillAnswers(ws, new FrameLog(ws));
  ws.close();
}
