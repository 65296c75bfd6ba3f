import { afterEach, describe, expect, inject, it } from "vitest";
import { modelOverride } from "../../src/model";
import { FrameLog, asUser, assistantFor, connect, newSession, sendChat } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";
import { storedMessages, textOf } from "../helpers/session";

/**
 * The ladder end to end with a scripted model: tier 1 code tries `fetch`, is
 * told in plain words that it has no network and that tier 3 can read pages,
 * escalates to the browser, and tier 3 (default "ask") waits for the owner.
 */
const site = inject("siteURL");

afterEach(() => {
  modelOverride.current = undefined;
});

async function freshUser() {
  const sub = `ladder-${crypto.randomUUID()}`;
  const id = `access:${sub}`;
  return { id, headers: await asUser(sub), assistant: await assistantFor(id), session: await newSession(id) };
}

function escalatingModel(): ScriptedModel {
  return new ScriptedModel([
    { tools: [{ name: "run_code", input: { code: `const r = await fetch(${JSON.stringify(`${site}/`)});\nreturn await r.text()` } }] },
    { tools: [{ name: "browse", input: { url: `${site}/` } }] },
    { text: "The page is the Steward fixture site." }
  ]);
}

type Part = Record<string, unknown> & { type: string };

/** Sends the task, waits for the approval request, answers it as the owner, waits for the end of the turn. */
async function runTask(user: Awaited<ReturnType<typeof freshUser>>, approved: boolean) {
  const ws = await connect(`/agent/sub/conversation/${user.session}`, user.headers);
  const log = new FrameLog(ws);
  const first = sendChat(ws, "What is on the fixture site's home page?");
  await log.done(first, 60_000);
  const request = log.chunks(first).find((c) => c.type === "tool-approval-request");
  const pausedAudit = await user.assistant.getAudit(10);
  if (request) {
    ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: request.toolCallId, approved, autoContinue: true }));
    await log.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.done === true && f.id !== first, 60_000);
  }
  ws.close();
  const messages = await storedMessages(user.id, user.session);
  return { request, pausedAudit, messages, parts: messages.flatMap((m) => m.parts) as Part[] };
}

describe.skipIf(!inject("chromium"))("escalation from tier 1 to tier 3", () => {
  it("fetch fails in tier 1 with a plain explanation, the model escalates, the owner approves, the page is read; the audit shows each step", async () => {
    const user = await freshUser();
    const model = escalatingModel();
    modelOverride.current = () => model;
    const { request, pausedAudit, messages, parts } = await runTask(user, true);

    // Tier 1 refused the network and said which tier could read a page.
    const tier1 = parts.find((p) => p.type === "tool-run_code") as { output?: { ok?: boolean; text?: string } } | undefined;
    expect(tier1?.output?.ok).toBe(false);
    expect(tier1?.output?.text).toContain("Tier 1 has no network access");
    expect(tier1?.output?.text).toContain("tier 3 (browser)");
    // …and the model saw that explanation before it chose the browser.
    expect(JSON.stringify(model.calls[1]?.prompt)).toContain("tier 3 (browser)");

    // Tier 3 is "ask" by default: the browse call waited for the owner and nothing ran meanwhile.
    expect(request).toMatchObject({ type: "tool-approval-request" });
    expect(pausedAudit.map((r) => r.tool)).toEqual(["run_code"]);

    const browse = parts.find((p) => p.type === "tool-browse") as { state?: string; output?: { ok?: boolean; text?: string } } | undefined;
    expect(browse?.state).toBe("output-available");
    expect(browse?.output?.ok).toBe(true);
    expect(browse?.output?.text).toContain("# Steward fixture site");
    expect(textOf(messages.at(-1))).toBe("The page is the Steward fixture site.");

    const audit = (await user.assistant.getAudit(10)).reverse();
    expect(audit.map((r) => ({ tool: r.tool, tier: r.tier, outcome: r.outcome, approved: r.approved }))).toEqual([
      { tool: "run_code", tier: 1, outcome: "error", approved: null },
      { tool: "browse", tier: 3, outcome: "ok", approved: true }
    ]);
    expect(audit[0]?.detail).toContain("no network");
    expect(audit.every((r) => r.session === user.session)).toBe(true);
  });

  it("the owner rejecting the tier 3 call stops it: nothing is browsed", async () => {
    const user = await freshUser();
    const model = escalatingModel();
    modelOverride.current = () => model;
    const { request, parts } = await runTask(user, false);
    expect(request).toBeDefined();
    expect(parts.find((p) => p.type === "tool-browse")).toMatchObject({ state: "output-denied" });
    const audit = await user.assistant.getAudit(10);
    expect(audit.map((r) => r.tool)).toEqual(["run_code"]);
  });

  it("tier 3 set to deny blocks the browse call with a clear reason, and no approval is asked", async () => {
    const user = await freshUser();
    await user.assistant.setTierPermission(3, "deny");
    const model = escalatingModel();
    modelOverride.current = () => model;
    const { request, parts } = await runTask(user, true);
    expect(request).toBeUndefined();
    const browse = parts.find((p) => p.type === "tool-browse") as { output?: unknown; errorText?: string } | undefined;
    expect(JSON.stringify(browse)).toContain('Tier 3 (browser) is set to \\"deny\\"');
    const audit = (await user.assistant.getAudit(10)).reverse();
    expect(audit.map((r) => [r.tool, r.tier, r.outcome])).toEqual([
      ["run_code", 1, "error"],
      ["browse", 3, "blocked"]
    ]);
  });

  it("tier 3 asks once per site: an approved site runs without asking, another site asks, changing tier 3 forgets", async () => {
    const user = await freshUser();
    const other = site.replace("127.0.0.1", "localhost");
    const model = new ScriptedModel([
      { tools: [{ name: "browse", input: { url: `${site}/` } }] },
      { text: "read it" },
      { tools: [{ name: "browse", input: { url: `${site}/about` } }] },
      { text: "read the about page" },
      { tools: [{ name: "browse", input: { url: `${other}/` } }] },
      { text: "not allowed" },
      { tools: [{ name: "browse", input: { url: `${site}/` } }] },
      { text: "asked again" }
    ]);
    modelOverride.current = () => model;

    /** One user turn; approves or rejects a request if one comes. Returns whether the owner was asked. */
    async function turn(text: string, approve: boolean): Promise<boolean> {
      const ws = await connect(`/agent/sub/conversation/${user.session}`, user.headers);
      const log = new FrameLog(ws);
      const id = sendChat(ws, text);
      await log.done(id, 60_000);
      const request = log.chunks(id).find((c) => c.type === "tool-approval-request");
      if (request) {
        ws.send(JSON.stringify({ type: "cf_agent_tool_approval", toolCallId: request.toolCallId, approved: approve, autoContinue: true }));
        await log.waitFor((f) => f.type === "cf_agent_use_chat_response" && f.done === true && f.id !== id, 60_000);
      }
      ws.close();
      return request !== undefined;
    }

    expect(await turn("read the home page", true)).toBe(true);
    expect(await turn("now the about page", true)).toBe(false);
    expect(await turn("and the same server by another name", false)).toBe(true);
    expect(await user.assistant.getTiers()).toMatchObject({ 3: "ask" });
    expect(await user.assistant.tiersText()).toContain(`approved once, no longer asked: ${site}`);
    await user.assistant.setTierPermission(3, "ask");
    expect(await turn("the home page again", true)).toBe(true);

    // The audit tells an owner-approved call from one that ran on a remembered site.
    const audit = (await user.assistant.getAudit(10)).reverse();
    expect(audit.map((r) => [r.tool, r.outcome, r.approved])).toEqual([
      ["browse", "ok", true],
      ["browse", "ok", null],
      ["browse", "ok", true]
    ]);
  });
});
