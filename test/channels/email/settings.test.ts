import { describe, expect, it } from "vitest";
import { modelOverride } from "../../../src/model";
import { FrameLog, assistantFor, chatOnce, connect, newSession, DEV_USER_ID } from "../../helpers/agent";
import { rpc } from "../../helpers/probe";
import { accessToken } from "../../helpers/jwt";
import { ScriptedModel } from "../../helpers/scripted-model";
import { OWNER, captureMail, deliver, fixture, mailUser, messageId, settled, transcript } from "./mail";

const outbox = captureMail();

describe("email settings", () => {
  it("treats the Access email claim as a verified owner address", async () => {
    const sub = crypto.randomUUID();
    const headers = { "Cf-Access-Jwt-Assertion": await accessToken({ sub, email: "Claimed.Owner@Example.com" }) };
    const ws = await connect("/agent", headers);
    const log = new FrameLog(ws);
    const settings = await rpc<{ address: string; ownerAddresses: string[] }>(ws, log, "getEmailSettings");
    ws.close();
    expect(settings.ownerAddresses).toEqual(["claimed.owner@example.com"]);

    const model = new ScriptedModel([{ text: '{"summary":"hi"}' }, { text: "Hello, owner." }]);
    modelOverride.current = () => model;
    const id = messageId();
    const raw = fixture("plain", { TO: settings.address, ID: id }).replaceAll("owner@example.com", "claimed.owner@example.com");
    expect((await deliver(raw, { from: "claimed.owner@example.com", to: settings.address })).rejected).toBeNull();
    expect((await settled({ assistant: await assistantFor(`access:${sub}`) }, id)).status).toBe("replied");
  });

  it("refuses bad settings with a clear error and changes nothing", async () => {
    const sub = crypto.randomUUID();
    const ws = await connect("/agent", { "Cf-Access-Jwt-Assertion": await accessToken({ sub }) });
    const log = new FrameLog(ws);
    const before = await rpc<Record<string, unknown>>(ws, log, "getEmailSettings");
    await expect(rpc(ws, log, "addOwnerEmailAddress", ["not an address"])).rejects.toThrow("not an email address");
    await expect(rpc(ws, log, "setEmailAllowedSenders", [["ok@example.com", "bad address"]])).rejects.toThrow("not an email address");
    await expect(rpc(ws, log, "setEmailUnknownSenders", ["forward"])).rejects.toThrow('"refuse" or "hold"');
    await expect(rpc(ws, log, "setEmailSendLimit", [-1])).rejects.toThrow("send limit");
    await expect(rpc(ws, log, "releaseHeldEmail", [42])).rejects.toThrow("no held email with id 42");
    expect(await rpc(ws, log, "getEmailSettings")).toEqual(before);
    ws.close();
  });

  it("removes an owner address the owner added; mail from it is then refused, and a bad remove changes nothing", async () => {
    const sub = crypto.randomUUID();
    const ws = await connect("/agent", { "Cf-Access-Jwt-Assertion": await accessToken({ sub }) });
    const log = new FrameLog(ws);
    const added = await rpc<{ address: string; ownerAddresses: string[] }>(ws, log, "addOwnerEmailAddress", [OWNER]);
    expect(added.ownerAddresses).toContain(OWNER);
    await expect(rpc(ws, log, "removeOwnerEmailAddress", ["someone.else@example.com"])).rejects.toThrow("is not one of your addresses");
    await expect(rpc(ws, log, "removeOwnerEmailAddress", ["not an address"])).rejects.toThrow("not an email address");
    expect(await rpc(ws, log, "getEmailSettings")).toEqual(added);
    const removed = await rpc<{ ownerAddresses: string[] }>(ws, log, "removeOwnerEmailAddress", [OWNER.toUpperCase()]);
    ws.close();
    expect(removed.ownerAddresses).toEqual(added.ownerAddresses.filter((a) => a !== OWNER));

    const raw = fixture("plain", { TO: added.address, ID: messageId() });
    const outcome = await deliver(raw, { from: OWNER, to: added.address });
    expect(outcome.rejected).toMatch(/only takes mail from its owner/);
  });
});

describe("send_email outside email sessions", () => {
  it("sends to allowed recipients at once and waits for approval for anyone else", async () => {
    const assistant = await assistantFor(DEV_USER_ID);
    await assistant.addOwnerEmailAddress("dev@example.com");
    await assistant.setEmailAllowedRecipients(["team@example.com"]);
    const session = await newSession(DEV_USER_ID);
    const model = new ScriptedModel([
      { tools: [{ name: "send_email", input: { to: "team@example.com", subject: "Status", text: "All good." } }] },
      { text: "Sent." },
      { tools: [{ name: "send_email", input: { to: "stranger@elsewhere.example", subject: "Hi", text: "Hello." } }] },
      { text: "unused" }
    ]);
    modelOverride.current = () => model;
    const first = await chatOnce(session, "tell the team");
    expect(first.text).toBe("Sent.");
    expect(outbox.sent).toHaveLength(1);
    expect(outbox.sent[0]).toMatchObject({ to: "team@example.com", subject: "Status", text: "All good." });
    const audit = (await assistant.getAudit(5)).filter((r) => r.tool === "send_email");
    expect(audit).toMatchObject([{ outcome: "ok", session }]);

    const second = await chatOnce(session, "mail the stranger");
    expect(second.chunks.some((c) => c.type === "tool-approval-request")).toBe(true);
    expect(outbox.sent).toHaveLength(1);
  });
});

describe("email sessions everywhere", () => {
  it("the owner continues an email thread from the web; the approval gate stays on", async () => {
    const user = await mailUser();
    const reader = new ScriptedModel([{ text: '{"summary":"numbers"}' }]);
    const main = new ScriptedModel([
      { text: "Numbers sent by mail." },
      { text: "Continuing from the web." },
      { tools: [{ name: "write", input: { path: "/workspace/from-web.txt", content: "x" } }] }
    ]);
    modelOverride.current = (meta) => (meta.channel === "subagent" ? reader : main);
    const id = messageId();
    await deliver(fixture("plain", { TO: user.address, ID: id }), { from: OWNER, to: user.address });
    const row = await settled(user, id);

    const headers = { "Cf-Access-Jwt-Assertion": await accessToken({ sub: user.id.slice("access:".length) }) };
    const web = await chatOnce(row.session!, "and from here?", headers);
    expect(web.text).toBe("Continuing from the web.");
    const gated = await chatOnce(row.session!, "write a file", headers);
    expect(gated.chunks.some((c) => c.type === "tool-approval-request")).toBe(true);
    const messages = await transcript(user.id, row.session!);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
    expect((await user.assistant.listSessions())[0]).toMatchObject({ id: row.session, channel: "email" });
  });

  it("threads a reply that only references the id the mail service gave our message", async () => {
    const user = await mailUser();
    const model = new ScriptedModel([{ text: '{"summary":"x"}' }, { text: "one" }, { text: '{"summary":"y"}' }, { text: "two" }]);
    modelOverride.current = () => model;
    const first = messageId();
    await deliver(fixture("plain", { TO: user.address, ID: first }), { from: OWNER, to: user.address });
    const a = await settled(user, first);
    const second = messageId();
    // Outbox.send answered <captured-1@test>: a client that only saw that id threads by it.
    await deliver(fixture("follow-up", { TO: user.address, ID: second, PARENT: "<captured-1@test>", REFS: "<captured-1@test>" }), {
      from: OWNER,
      to: user.address
    });
    expect((await settled(user, second)).session).toBe(a.session);
  });

  it("discards a held message for good", async () => {
    const user = await mailUser();
    await user.assistant.setEmailUnknownSenders("hold");
    await deliver(fixture("stranger", { TO: user.address, ID: messageId() }), { from: "someone@stranger.example", to: user.address });
    const [held] = await user.assistant.listHeldEmails();
    await user.assistant.discardHeldEmail(held!.id);
    expect(await user.assistant.listHeldEmails()).toEqual([]);
    expect(await user.assistant.listSessions()).toEqual([]);
  });
});
