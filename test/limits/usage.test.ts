import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { modelOverride } from "../../src/model";
import { clock } from "../../src/schedules/clock";
import { DEFAULT_LIMITS, limitsFrom } from "../../src/limits/usage";
import { asUser, assistantFor, chatOnce, newSession } from "../helpers/agent";
import { ScriptedModel } from "../helpers/scripted-model";

/**
 * Per-user limits, through real turns: the refusal is the turn's answer (no
 * silent drop), the model is not called, slash commands are not limited,
 * and the next minute or day works again. Time moves through the clock seam.
 */
const realNow = clock.now;
afterEach(() => {
  clock.now = realNow;
  modelOverride.current = undefined;
});

/** A fresh signed-in user with one web session and a model that answers "ok". */
async function freshUser() {
  const sub = crypto.randomUUID();
  const headers = await asUser(sub);
  const id = `access:${sub}`;
  const session = await newSession(id);
  const model = new ScriptedModel(Array.from({ length: 200 }, (_, i) => ({ text: `answer ${i + 1}` })));
  modelOverride.current = () => model;
  return { id, headers, session, model, assistant: await assistantFor(id) };
}

const limits = limitsFrom(env);

describe("deployer settings", () => {
  it("reads the vars, keeps the defaults for nonsense, and takes 0 as unlimited", () => {
    expect(limits).toEqual({ turnsPerMinute: 20, tokensPerDay: 2_000_000 }); // wrangler.jsonc
    expect(limitsFrom({})).toEqual(DEFAULT_LIMITS);
    expect(limitsFrom({ TURNS_PER_MINUTE: "0", TOKENS_PER_DAY: "1_000" })).toEqual({ turnsPerMinute: 0, tokensPerDay: 1000 });
    expect(limitsFrom({ TURNS_PER_MINUTE: "-3", TOKENS_PER_DAY: "lots" })).toEqual(DEFAULT_LIMITS);
  });
});

describe("turns per minute", () => {
  it("answers the N+1th turn in a minute with a clear message and no model call; slash commands still work; the next minute works again", async () => {
    const user = await freshUser();
    const t0 = Date.now();
    clock.now = () => t0;
    const n = limits.turnsPerMinute;
    for (let i = 1; i <= n; i++) expect((await chatOnce(user.session, `question ${i}`, user.headers)).text).toBe(`answer ${i}`);
    expect(user.model.calls).toHaveLength(n);

    const refused = await chatOnce(user.session, "one more", user.headers);
    expect(refused.text).toMatch(
      new RegExp(
        `^Limit reached: at most ${n} turns per minute for your agent, so this message was not sent to the model\\. Please try again in about 60 seconds\\.`
      )
    );
    expect(user.model.calls).toHaveLength(n);
    // Commands need no model: not limited, not counted.
    expect((await chatOnce(user.session, "/help", user.headers)).text).toContain("/help");
    expect(user.model.calls).toHaveLength(n);

    clock.now = () => t0 + 61_000;
    expect((await chatOnce(user.session, "a minute later", user.headers)).text).toBe(`answer ${n + 1}`);
    expect(user.model.calls).toHaveLength(n + 1);
  });
});

describe("model tokens per day", () => {
  it("counts the model's usage, not slash commands'", async () => {
    const user = await freshUser();
    await chatOnce(user.session, "hello", user.headers);
    await chatOnce(user.session, "/help", user.headers);
    // The scripted model reports 1 input + 1 output token per call.
    expect((await user.assistant.usageView()).tokensToday).toBe(2);
  });

  it("refuses turns once today's tokens are used, with a clear message and no model call; the next day works again", async () => {
    const user = await freshUser();
    const noon = Date.UTC(2031, 4, 6, 12, 0, 0);
    clock.now = () => noon;
    // Earlier model calls today (as the model's usage sink records them).
    await user.assistant.recordUsage({
      turn: "earlier",
      session: user.session,
      channel: "web",
      model: "m",
      inputTokens: limits.tokensPerDay - 2,
      outputTokens: 0,
      fallbackFrom: []
    });
    expect((await chatOnce(user.session, "the last one today", user.headers)).text).toBe("answer 1");
    expect((await user.assistant.usageView()).tokensToday).toBe(limits.tokensPerDay);

    const refused = await chatOnce(user.session, "and another", user.headers);
    expect(refused.text).toContain("Limit reached: your agent has used 2,000,000 of its 2,000,000 model tokens for today");
    expect(refused.text).toContain("resets at 00:00 UTC (in about 12 hours)");
    expect(user.model.calls).toHaveLength(1);
    expect((await chatOnce(user.session, "/tiers", user.headers)).text).toContain("Execution ladder");

    clock.now = () => noon + 12 * 3_600_000;
    expect((await chatOnce(user.session, "tomorrow", user.headers)).text).toBe("answer 2");
    expect((await user.assistant.usageView()).tokensToday).toBe(2);
  });
});
