import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../../src/model";
import { ScriptedModel } from "../../helpers/scripted-model";
import { OWNER, Outbox, deliver, fixture, header, mailUser, messageId, settled, transcript } from "./mail";
import { textOf } from "../../helpers/session";

let outbox: Outbox;

beforeEach(() => {
  outbox = new Outbox().install();
});

afterEach(() => {
  outbox.uninstall();
  modelOverride.current = undefined;
});

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
