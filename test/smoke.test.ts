import { describe, expect, it } from "vitest";
import { DEV_USER_ID, chatOnce, newSession } from "./helpers/agent";

describe("smoke", () => {
  it("runs /run 6*7 through the command model", async () => {
    const session = await newSession(DEV_USER_ID);
    const { text, chunks } = await chatOnce(session, "/run 6*7");
    console.log(JSON.stringify(chunks).slice(0, 3000));
    expect(text).toContain("42");
  });
});
