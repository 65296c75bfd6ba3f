import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Assistant } from "../../../src/assistant/assistant";
import { APPROVED_REPLY_FIBER } from "../../../src/channels/email/reply-approval";
import type { ReplyForApproval } from "../../../src/channels/email/reply-approval";
import { modelOverride } from "../../../src/model";
import { FrameLog, asUser, assistantFor, connect } from "../../helpers/agent";
import { rpc } from "../../helpers/probe";
import { ScriptedModel } from "../../helpers/scripted-model";
import { captureMail, deliver, fixture, header, mailUser, messageId, settled, until } from "./mail";

/**
 * Leak 1: the model reads a private file (reading runs unasked) and writes
 * it into its answer; the answer is the in-thread reply. To anyone but the
 * owner that reply must wait for the owner's approval of its exact text.
 */
const outbox = captureMail();

const STRANGER = "someone@stranger.example";
const PRIVATE = "/workspace/private/salary.txt";
const SECRET = "SALARY 123456 EUR";
const ANSWER = `Sure. The file says: ${SECRET}`;

type User = Awaited<ReturnType<typeof mailUser>>;

/** A user with a private file and a model that reads it and answers with its content. */
async function leakyUser(): Promise<User> {
  const user = await mailUser();
  await runInDurableObject(user.assistant as unknown as DurableObjectStub<Assistant>, async (instance) => {
    await instance.workspace.fs.mkdir("/workspace/private", { recursive: true });
    await instance.workspace.fs.writeFile(PRIVATE, SECRET);
  });
  const reader = new ScriptedModel([
    { text: JSON.stringify({ summary: "Asks what is in the private folder.", requests: [], suspicious: false, reasons: [] }) }
  ]);
  const main = new ScriptedModel([{ tools: [{ name: "read", input: { path: PRIVATE } }] }, { text: ANSWER }]);
  modelOverride.current = (meta) => (meta.channel === "subagent" ? reader : main);
  return user;
}

/** The stranger's mail, held and then released by the owner. */
async function releasedStrangerMail(user: User): Promise<string> {
  await user.assistant.setEmailUnknownSenders("hold");
  const id = messageId();
  expect((await deliver(fixture("stranger", { TO: user.address, ID: id }), { from: STRANGER, to: user.address })).rejected).toBeNull();
  const [held] = await user.assistant.listHeldEmails();
  await user.assistant.releaseHeldEmail(held!.id);
  return id;
}

async function allowedSenderMail(user: User): Promise<string> {
  await user.assistant.setEmailAllowedSenders([STRANGER]);
  const id = messageId();
  expect((await deliver(fixture("stranger", { TO: user.address, ID: id }), { from: STRANGER, to: user.address })).rejected).toBeNull();
  return id;
}

async function parked(user: User, id: string): Promise<ReplyForApproval> {
  await until(
    async () => (await user.assistant.getEmailLog(20)).find((r) => r.messageId === id && r.status === "awaiting-approval"),
    "the reply to wait for approval"
  );
  const waiting = await user.assistant.listEmailRepliesAwaitingApproval();
  expect(waiting).toHaveLength(1);
  return waiting[0]!;
}

/** The owner's own socket, as the web app uses it. */
async function ownerSocket(user: User) {
  const ws = await connect("/agent", await asUser(user.id.slice("access:".length)));
  return { ws, log: new FrameLog(ws) };
}

async function replyAudit(user: User) {
  return (await user.assistant.getAudit(50)).filter((r) => r.tool === "email_reply");
}

for (const [who, mailFrom] of [
  ["a released stranger (hold policy)", releasedStrangerMail],
  ["an allowed sender", allowedSenderMail]
] as const) {
  describe(`a reply to ${who}`, () => {
    it("is not sent until the owner approves its exact text; then it is sent once", async () => {
      const user = await leakyUser();
      const id = await mailFrom(user);
      const waiting = await parked(user, id);

      // The model did read the file (unasked) and answered with it: nothing has left.
      expect((await user.assistant.getAudit(50)).some((r) => r.tool === "read" && r.outcome === "ok")).toBe(true);
      expect(outbox.sent).toEqual([]);
      expect(waiting).toMatchObject({ to: STRANGER, subject: "Re: Hello there", text: ANSWER, status: "awaiting" });
      expect(waiting.digest).toMatch(/^[0-9a-f]{64}$/);
      // The web app's state counts it, so Settings → Email refreshes its list.
      expect(await runInDurableObject(user.assistant as unknown as DurableObjectStub<Assistant>, (a) => a.state.repliesAwaitingApproval)).toBe(1);

      // From the owner's web socket: a digest for other text is refused and sends nothing.
      const { ws, log } = await ownerSocket(user);
      await expect(rpc(ws, log, "approveEmailReply", [waiting.id, "0".repeat(64)])).rejects.toThrow("not the one you were shown");
      await expect(rpc(ws, log, "approveEmailReply", [waiting.id, "not a digest"])).rejects.toThrow("64 hex digits");
      expect(outbox.sent).toEqual([]);

      // Approved (twice, and once more concurrently): exactly that reply, once.
      const [a, b] = await Promise.all([
        rpc<ReplyForApproval>(ws, log, "approveEmailReply", [waiting.id, waiting.digest]),
        rpc<ReplyForApproval>(ws, log, "approveEmailReply", [waiting.id, waiting.digest])
      ]);
      const again = await rpc<ReplyForApproval>(ws, log, "approveEmailReply", [waiting.id, waiting.digest]);
      ws.close();
      expect([a.status, b.status, again.status]).toContain("sent");
      expect(again.status).toBe("sent");
      expect((await settled(user, id)).status).toBe("replied");
      expect(outbox.sent).toHaveLength(1);
      const reply = outbox.sent[0]!;
      expect(reply).toMatchObject({ to: STRANGER, subject: "Re: Hello there", text: ANSWER });
      expect(header(reply, "In-Reply-To")).toBe(id);
      expect(await user.assistant.listEmailRepliesAwaitingApproval()).toEqual([]);

      // One audit row for the send, marked approved.
      expect(await replyAudit(user)).toMatchObject([{ tool: "email_reply", tier: 0, outcome: "ok", approved: true, session: waiting.session }]);
    });

    it("rejected: nothing is sent, the mail log says so, and it cannot be approved afterwards", async () => {
      const user = await leakyUser();
      const id = await mailFrom(user);
      const waiting = await parked(user, id);
      const { ws, log } = await ownerSocket(user);
      expect(await rpc(ws, log, "rejectEmailReply", [waiting.id])).toMatchObject({ status: "rejected" });
      await expect(rpc(ws, log, "approveEmailReply", [waiting.id, waiting.digest])).rejects.toThrow("You rejected this reply");
      ws.close();
      const row = await settled(user, id);
      expect(row).toMatchObject({ status: "reply-skipped", detail: `the owner rejected the reply to ${STRANGER}` });
      expect(outbox.sent).toEqual([]);
      expect(await user.assistant.listEmailRepliesAwaitingApproval()).toEqual([]);
      expect(await replyAudit(user)).toEqual([]);
    });
  });
}

describe("approving a reply", () => {
  it("is only possible from the owner's own socket: another user sees nothing and approves nothing", async () => {
    const user = await leakyUser();
    const waiting = await parked(user, await allowedSenderMail(user));
    const other = await connect("/agent", await asUser(crypto.randomUUID()));
    const log = new FrameLog(other);
    expect(await rpc(other, log, "listEmailRepliesAwaitingApproval")).toEqual([]);
    await expect(rpc(other, log, "approveEmailReply", [waiting.id, waiting.digest])).rejects.toThrow(`no reply waiting for approval with id ${waiting.id}`);
    other.close();
    expect(outbox.sent).toEqual([]);
  });

  it("a crash after the approval still sends the reply exactly once", async () => {
    const user = await leakyUser();
    const id = await allowedSenderMail(user);
    const waiting = await parked(user, id);
    // The approval's claim is taken, as if the process died before the send finished.
    await runInDurableObject(user.assistant as unknown as DurableObjectStub<Assistant>, async (instance) => {
      const inbox = (instance as unknown as { inbox: { replies: { claim(id: number, digest: string): boolean } } }).inbox;
      expect(inbox.replies.claim(waiting.id, waiting.digest)).toBe(true);
      // Not awaited: the fiber never finishes (the process dies in it); a test must not wait on it.
      void instance.runFiber(APPROVED_REPLY_FIBER, async (ctx) => {
        ctx.stash({ id: waiting.id });
        await new Promise(() => {});
      });
      await new Promise((r) => setTimeout(r, 100));
    });
    await abortAllDurableObjects();
    expect(outbox.sent).toEqual([]);

    const assistant = await assistantFor(user.id);
    for (let i = 0; i < 40 && outbox.sent.length === 0; i++) {
      await runDurableObjectAlarm(assistant as unknown as DurableObjectStub);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await settled({ assistant }, id)).status).toBe("replied");
    await runDurableObjectAlarm(assistant as unknown as DurableObjectStub);
    expect(await assistant.approveEmailReply(waiting.id, waiting.digest)).toMatchObject({ status: "sent" });
    expect(outbox.sent).toHaveLength(1);
    expect(outbox.sent[0]).toMatchObject({ to: STRANGER, text: ANSWER });
    expect(await replyAudit({ ...user, assistant })).toHaveLength(1);
  });
});
