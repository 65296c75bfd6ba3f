import { describe, expect, it } from "vitest";
import { validTimeZone } from "../../src/assistant/settings";
import { assistantFor } from "../helpers/agent";

describe("settings", () => {
  it("defaults to UTC and stores a valid IANA zone", async () => {
    const assistant = await assistantFor("dev:settings-a");
    expect(await assistant.getSettings()).toEqual({ timeZone: "UTC" });
    expect(await assistant.setTimeZone("Europe/Lisbon")).toEqual({ timeZone: "Europe/Lisbon" });
    expect(await assistant.getSettings()).toEqual({ timeZone: "Europe/Lisbon" });
  });

  it("refuses unknown zones with a clear error", () => {
    expect(() => validTimeZone("Mars/Olympus")).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => validTimeZone("")).toThrow(/IANA name/);
    expect(() => validTimeZone(42)).toThrow(/IANA name/);
    expect(validTimeZone(" America/New_York ")).toBe("America/New_York");
  });
});
