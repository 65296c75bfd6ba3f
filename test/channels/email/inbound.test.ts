import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Assistant } from "../../../src/assistant/assistant";
import { emailHooks } from "../../../src/channels/email/inbox";
import { assistantFor } from "../../helpers/agent";
import { modelOverride } from "../../../src/model";
import { ScriptedModel } from "../../helpers/scripted-model";
import { OWNER, captureMail, deliver, fixture, header, mailUser, messageId, settled, transcript, until } from "./mail";
import { textOf } from "../../helpers/session";

const outbox = captureMail();

const REPORT = (summary: string) => JSON.stringify({ summary, requests: ["a summary"], suspicious: false, reasons: [] });

/** The reader and the main agent get separate scripts; the reader's calls show what it read. */
function models(readerSteps: string[], mainSteps: ConstructorParameters<typeof ScriptedModel>[0]) {
  const reader = new ScriptedModel(readerSteps.map((text) => ({ text })));
  const main = new ScriptedModel(mainSteps);
  modelOverride.current = (meta) => (meta.channel === "subagent" ? reader : main);
  return { reader, main };
}

function promptText(model: ScriptedModel, call = 0): string {
  return JSON.stringify(model.calls[call]?.prompt ?? []);
}

describe("email sessions", () => {
  it("answers a plain request in-thread from the agent address, reading it through the quarantined reader", async () => {
    const user = await mailUser();
    const { reader, main } = models([REPORT("The owner wants the weekly numbers summarised.")], [{ text: "Here are the weekly numbers." }]);
    const id = messageId();
    const delivery = await deliver(fixture("plain", { TO: user.address, ID: id }), { from: OWNER, to: user.address });
    expect(delivery.rejected).toBeNull();
    const row = await settled(user, id);
    expect(row.status).toBe("replied");

    expect(outbox.sent).toHaveLength(1);
    const reply = outbox.sent[0]!;
    expect(reply.to).toBe(OWNER);
    expect(reply.from).toEqual({ email: user.address, name: "Steward" });
    expect(reply.subject).toBe("Re: Weekly numbers");
    expect(header(reply, "In-Reply-To")).toBe(id);
    expect(header(reply, "References")).toBe(id);
    expect(header(reply, "Auto-Submitted")).toBe("auto-replied");
    expect(reply.text).toBe("Here are the weekly numbers.");

    // Only the reader saw the body; the main agent got its report, fenced as untrusted.
    expect(promptText(reader)).toContain("zebra-42");
    expect(promptText(main)).not.toContain("zebra-42");
    expect(promptText(main)).toContain("untrusted_email_report");
    expect(promptText(main)).toContain("The owner wants the weekly numbers summarised.");

    // The session is an email session in the user's list, with the turn in it.
    const sessions = await user.assistant.listSessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ channel: "email", title: "Weekly numbers", id: row.session });
    const messages = await transcript(user.id, row.session!);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(messages[1])).toBe("Here are the weekly numbers.");
  });

  it("continues the same session when the sender replies to the agent's reply", async () => {
    const user = await mailUser();
    const { main } = models([REPORT("first"), REPORT("second")], [{ text: "First answer." }, { text: "Second answer." }]);
    const first = messageId();
    await deliver(fixture("plain", { TO: user.address, ID: first }), { from: OWNER, to: user.address });
    const firstRow = await settled(user, first);
    const ourId = header(outbox.sent[0], "Message-ID")!;
    expect(ourId).toMatch(/^<steward-[0-9a-f]+@agents\.steward\.test>$/);

    const second = messageId();
    await deliver(fixture("follow-up", { TO: user.address, ID: second, PARENT: ourId, REFS: `${first} ${ourId}` }), { from: OWNER, to: user.address });
    const secondRow = await settled(user, second);
    expect(secondRow.session).toBe(firstRow.session);
    expect(await user.assistant.listSessions()).toHaveLength(1);

    const messages = await transcript(user.id, firstRow.session!);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    // The model saw the earlier exchange: one conversation, not two.
    expect(promptText(main, 1)).toContain("First answer.");
    expect(outbox.sent[1]).toMatchObject({ subject: "Re: Weekly numbers" });
    expect(header(outbox.sent[1], "In-Reply-To")).toBe(second);
    expect(header(outbox.sent[1], "References")).toBe(`${first} ${ourId} ${second}`);
  });

  it("runs a redelivered message (same Message-ID) once", async () => {
    const user = await mailUser();
    const { reader, main } = models([REPORT("once"), REPORT("twice?")], [{ text: "Answered once." }, { text: "Answered twice!" }]);
    const id = messageId();
    const raw = fixture("plain", { TO: user.address, ID: id });
    const [a, b] = await Promise.all([deliver(raw, { from: OWNER, to: user.address }), deliver(raw, { from: OWNER, to: user.address })]);
    await settled(user, id);
    const c = await deliver(raw, { from: OWNER, to: user.address });
    await new Promise((r) => setTimeout(r, 300));
    expect([a.rejected, b.rejected, c.rejected]).toEqual([null, null, null]);
    expect(outbox.sent).toHaveLength(1);
    expect(reader.calls).toHaveLength(1);
    expect(main.calls).toHaveLength(1);
    expect(await user.assistant.listSessions()).toHaveLength(1);
  });
});

async function readFile(user: Awaited<ReturnType<typeof mailUser>>, path: string): Promise<string> {
  return runInDurableObject(user.assistant as unknown as DurableObjectStub<Assistant>, (instance) => instance.workspace.fs.readFile(path, "utf8"));
}

async function listFiles(user: Awaited<ReturnType<typeof mailUser>>): Promise<string[]> {
  return runInDurableObject(user.assistant as unknown as DurableObjectStub<Assistant>, async (instance) =>
    (await instance.workspace.fs.find("/workspace/email", "**").catch(() => [])).filter((e) => e.type === "file").map((e) => e.path)
  );
}

/** Delivers one fixture from the owner with a fresh Message-ID and waits for the reply. */
async function roundTrip(name: string, readerReport = REPORT("ok")) {
  const user = await mailUser();
  const { reader, main } = models([readerReport], [{ text: "Done." }]);
  const id = messageId();
  const delivery = await deliver(fixture(name, { TO: user.address, ID: id }), { from: OWNER, to: user.address });
  expect(delivery.rejected).toBeNull();
  const row = await settled(user, id);
  return { user, reader, main, row, id };
}

describe("parsing", () => {
  it("turns HTML-only mail into readable text and drops hidden text before anyone reads it", async () => {
    const { user, reader } = await roundTrip("html-only");
    const [body] = (await listFiles(user)).filter((p) => p.endsWith("/body.txt"));
    const text = await readFile(user, body!);
    expect(text).toContain("Quarterly update");
    expect(text).toContain("Revenue grew 12% & costs fell.");
    expect(text).toContain("- First item\n- Second item");
    expect(text).toContain("the report (https://example.com/report)");
    expect(text).not.toMatch(/<[a-z]|alert\(1\)|color:red/);
    for (const hidden of ["SECRET-HIDDEN-ONE", "SECRET-HIDDEN-TWO"]) {
      expect(text).not.toContain(hidden);
      expect(promptText(reader)).not.toContain(hidden);
    }
  });

  it("uses the text part of multipart/alternative", async () => {
    const { user, reader } = await roundTrip("multipart");
    expect(promptText(reader)).toContain("The plain version of the body.");
    expect(promptText(reader)).not.toContain("HTML version");
    expect((await user.assistant.listSessions())[0]?.title).toBe("Both parts");
  });

  it("decodes ISO-8859-1 bodies and encoded-word headers", async () => {
    const { user, reader } = await roundTrip("latin1");
    expect(promptText(reader)).toContain("Un café crème coûte 3,50");
    expect(promptText(reader)).toContain("Grüße!");
    expect((await user.assistant.listSessions())[0]?.title).toBe("Café crème");
    expect(outbox.sent[0]?.subject).toBe("Re: Café crème");
  });

  it("saves inline images and attachments into the workspace under safe names", async () => {
    const { user, reader } = await roundTrip("attachment");
    const files = await listFiles(user);
    const csv = files.find((p) => p.endsWith("/numbers.csv"));
    const png = files.find((p) => p.endsWith("/chart.png"));
    expect(csv).toBeDefined();
    expect(png).toBeDefined();
    expect(csv).not.toContain("..");
    expect(await readFile(user, csv!)).toBe("week,revenue\n1,100\n2,120\n");
    const bytes = await runInDurableObject(user.assistant as unknown as DurableObjectStub<Assistant>, async (instance) => {
      const stream = await instance.workspace.fs.readFile(png!);
      return new Uint8Array(await new Response(stream).arrayBuffer());
    });
    expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // The reader sees the text attachment's content; both are listed for it.
    expect(promptText(reader)).toContain("week,revenue");
    expect(promptText(reader)).toContain("chart.png (image/png");
  });

  it("reads forwarded messages, including the forwarded part", async () => {
    const { reader } = await roundTrip("forwarded");
    expect(promptText(reader)).toContain("Can you file this?");
    expect(promptText(reader)).toContain("Invoice 77: amount due 420 EUR");
    expect(promptText(reader)).toContain("Forwarded: yes");
  });

  it("rejects malformed mail with a reason and stores nothing", async () => {
    const user = await mailUser();
    const { reader, main } = models([], []);
    const garbage = await deliver(fixture("malformed", {}), { from: OWNER, to: user.address });
    expect(garbage.rejected).toMatch(/malformed message: no RFC 5322 header block/);
    const noFrom = await deliver(fixture("no-from", { TO: user.address, ID: messageId() }), { from: OWNER, to: user.address });
    expect(noFrom.rejected).toMatch(/missing or unparseable From/);
    const empty = await deliver(new Uint8Array(), { from: OWNER, to: user.address });
    expect(empty.rejected).toBe("empty message");
    expect(await user.assistant.listSessions()).toEqual([]);
    expect(await user.assistant.getEmailLog(10)).toEqual([]);
    expect(await listFiles(user)).toEqual([]);
    expect(reader.calls.length + main.calls.length).toBe(0);
    expect(outbox.sent).toEqual([]);
  });
});

describe("who may write", () => {
  it("rejects mail to an unknown or malformed agent address", async () => {
    const user = await mailUser();
    const raw = (to: string) => fixture("plain", { TO: to, ID: messageId() });
    const unknown = "abbbbbbbbbbbbbbbbbbbbbbbb@agents.steward.test";
    expect((await deliver(raw(unknown), { from: OWNER, to: unknown })).rejected).toMatch(/unknown recipient/);
    const otherDomain = user.address.replace("agents.steward.test", "elsewhere.example");
    expect((await deliver(raw(otherDomain), { from: OWNER, to: otherDomain })).rejected).toMatch(/unknown recipient/);
    // The agents SDK's sub-address scheme does not name an agent here.
    const subAddress = `Assistant+${encodeURIComponent(user.id)}@agents.steward.test`;
    expect((await deliver(raw(subAddress), { from: OWNER, to: subAddress })).rejected).toMatch(/unknown recipient/);
    expect(await user.assistant.getEmailLog(10)).toEqual([]);
  });

  it("gives each user a distinct, stable address that does not contain the user id", async () => {
    const a = await mailUser();
    const b = await mailUser();
    expect(a.address).not.toBe(b.address);
    expect(a.address).toMatch(/^a[a-z2-7]{24}@agents\.steward\.test$/);
    expect(a.address).not.toContain(a.id.split(":")[1]!.slice(0, 8));
    expect((await a.assistant.getEmailSettings()).address).toBe(a.address);
  });

  it("refuses senders that are not the owner or allowed, or holds them for review when configured", async () => {
    const user = await mailUser();
    const { reader, main } = models([REPORT("held mail")], [{ text: "Released and answered." }]);
    const refused = await deliver(fixture("stranger", { TO: user.address, ID: messageId() }), { from: "someone@stranger.example", to: user.address });
    expect(refused.rejected).toMatch(/only takes mail from its owner/);

    await user.assistant.setEmailUnknownSenders("hold");
    const id = messageId();
    const held = await deliver(fixture("stranger", { TO: user.address, ID: id }), { from: "someone@stranger.example", to: user.address });
    expect(held.rejected).toBeNull();
    const list = await user.assistant.listHeldEmails();
    expect(list).toMatchObject([{ messageId: id, sender: "someone@stranger.example", subject: "Hello there" }]);
    expect(await user.assistant.listSessions()).toEqual([]);
    expect(reader.calls.length + main.calls.length).toBe(0);
    expect(outbox.sent).toEqual([]);

    // The owner releases it: now it is read and answered, and the reply to the stranger waits for the owner.
    await user.assistant.releaseHeldEmail(list[0]!.id);
    await until(
      async () => (await user.assistant.getEmailLog(10)).find((r) => r.messageId === id && r.status === "awaiting-approval"),
      "the reply to be parked"
    );
    expect(outbox.sent).toEqual([]);
    const [waiting] = await user.assistant.listEmailRepliesAwaitingApproval();
    expect(waiting).toMatchObject({ to: "someone@stranger.example", subject: "Re: Hello there", text: "Released and answered." });
    await user.assistant.approveEmailReply(waiting!.id, waiting!.digest);
    expect((await settled(user, id)).status).toBe("replied");
    expect(outbox.sent[0]?.to).toBe("someone@stranger.example");
    expect(await user.assistant.listHeldEmails()).toEqual([]);
  });

  it("lets allowed senders (address or @domain) through", async () => {
    const user = await mailUser();
    models([REPORT("allowed")], [{ text: "Hello, allowed sender." }]);
    await user.assistant.setEmailAllowedSenders(["@stranger.example"]);
    const id = messageId();
    expect((await deliver(fixture("stranger", { TO: user.address, ID: id }), { from: "someone@stranger.example", to: user.address })).rejected).toBeNull();
    // Worked on; the reply (to someone who is not the owner) waits for the owner's approval.
    await until(
      async () => (await user.assistant.getEmailLog(10)).find((r) => r.messageId === id && r.status === "awaiting-approval"),
      "the reply to be parked"
    );
    expect(await user.assistant.listEmailRepliesAwaitingApproval()).toMatchObject([{ to: "someone@stranger.example", text: "Hello, allowed sender." }]);
    expect(outbox.sent).toEqual([]);
  });

  it("refuses spoofed and unauthenticated mail even from the owner's address", async () => {
    const user = await mailUser();
    const { reader, main } = models([], []);
    const spoofed = await deliver(fixture("spoofed", { TO: user.address, ID: messageId() }), { from: OWNER, to: user.address });
    expect(spoofed.rejected).toMatch(/sender not verified: DMARC fail/);
    const bare = await deliver(fixture("unauthenticated", { TO: user.address, ID: messageId() }), { from: OWNER, to: user.address });
    expect(bare.rejected).toMatch(/no Authentication-Results/);
    expect(await user.assistant.getEmailLog(10)).toEqual([]);
    expect(reader.calls.length + main.calls.length).toBe(0);
    expect(outbox.sent).toEqual([]);
  });

  it("never answers an auto-reply", async () => {
    const user = await mailUser();
    const { reader, main } = models([REPORT("x")], [{ text: "should not be sent" }]);
    const id = messageId();
    expect((await deliver(fixture("auto-reply", { TO: user.address, ID: id }), { from: OWNER, to: user.address })).rejected).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    expect(await user.assistant.getEmailLog(10)).toMatchObject([{ messageId: id, status: "ignored" }]);
    expect(reader.calls.length + main.calls.length).toBe(0);
    expect(outbox.sent).toEqual([]);
    expect(await user.assistant.listSessions()).toEqual([]);
  });

  it("stops sending at the hourly limit", async () => {
    const user = await mailUser();
    models([REPORT("1"), REPORT("2")], [{ text: "one" }, { text: "two" }]);
    await user.assistant.setEmailSendLimit(1);
    const first = messageId();
    await deliver(fixture("plain", { TO: user.address, ID: first }), { from: OWNER, to: user.address });
    expect((await settled(user, first)).status).toBe("replied");
    const second = messageId();
    await deliver(fixture("multipart", { TO: user.address, ID: second }), { from: OWNER, to: user.address });
    const row = await settled(user, second);
    expect(row).toMatchObject({ status: "reply-skipped" });
    expect(row.detail).toMatch(/rate-limited/);
    expect(outbox.sent).toHaveLength(1);
  });
});

describe("a crash between the work and the reply", () => {
  it("sends the reply exactly once after recovery", async () => {
    const user = await mailUser();
    const { main } = models([REPORT("crash")], [{ text: "The answer survived the crash." }]);
    // Flags, not cross-context promises: the hook runs inside the Durable Object.
    let reached = false;
    emailHooks.beforeReply = () => {
      reached = true;
      return new Promise(() => {}); // the process dies here
    };
    const id = messageId();
    await deliver(fixture("plain", { TO: user.address, ID: id }), { from: OWNER, to: user.address });
    await until(async () => reached, "the reply step");
    await abortAllDurableObjects();
    emailHooks.beforeReply = undefined;
    expect(outbox.sent).toEqual([]);

    const assistant = await assistantFor(user.id);
    for (let i = 0; i < 40 && outbox.sent.length === 0; i++) {
      await runDurableObjectAlarm(assistant as unknown as DurableObjectStub);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await settled({ assistant }, id)).status).toBe("replied");
    // Later alarms and redeliveries add nothing.
    await runDurableObjectAlarm(assistant as unknown as DurableObjectStub);
    await deliver(fixture("plain", { TO: user.address, ID: id }), { from: OWNER, to: user.address });
    await new Promise((r) => setTimeout(r, 300));
    expect(outbox.sent).toHaveLength(1);
    expect(outbox.sent[0]?.text).toBe("The answer survived the crash.");
    expect(main.calls).toHaveLength(1); // the work was not redone
  });
});

describe("a crash in the middle of the agent's turn", () => {
  it("finishes the turn once and replies once with the recovered answer", async () => {
    const user = await mailUser();
    const { main } = models([REPORT("crash mid-turn")], [{ hang: ["Half ", "way "] }, { text: "there." }]);
    const id = messageId();
    await deliver(fixture("plain", { TO: user.address, ID: id }), { from: OWNER, to: user.address });
    await until(async () => main.calls.length === 1, "the turn to start");
    await new Promise((r) => setTimeout(r, 200));
    await abortAllDurableObjects();

    const assistant = await assistantFor(user.id);
    for (let i = 0; i < 60 && outbox.sent.length === 0; i++) {
      await runDurableObjectAlarm(assistant as unknown as DurableObjectStub);
      await new Promise((r) => setTimeout(r, 100));
    }
    const row = await settled({ assistant }, id);
    expect(row.status).toBe("replied");
    await new Promise((r) => setTimeout(r, 500));
    expect(outbox.sent).toHaveLength(1);
    expect(outbox.sent[0]?.text).toContain("there.");
    const messages = await transcript(user.id, row.session!);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(main.calls).toHaveLength(2);
  });
});
