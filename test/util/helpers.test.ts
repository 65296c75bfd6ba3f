import { describe, expect, it } from "vitest";
import { outboundMessageId } from "../../src/channels/email/outbound";
import { errorText } from "../../src/shared/error-text";
import { messageText } from "../../src/shared/message-text";
import { toolFailure } from "../../src/shared/tool-result";
import { sha256Hex } from "../../src/util/digest";
import { isWholeNumber, wholeNumber } from "../../src/util/whole-number";

// FIPS 180-2 test vectors.
const ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("sha256Hex", () => {
  it("hashes strings as UTF-8 and bytes as they are, to 64 lowercase hex digits", async () => {
    expect(await sha256Hex("abc")).toBe(ABC);
    expect(await sha256Hex("")).toBe(EMPTY);
    expect(await sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(ABC);
    expect(await sha256Hex("é")).toBe(await sha256Hex(new Uint8Array([0xc3, 0xa9])));
  });

  it("keeps the ids built from it unchanged", async () => {
    expect(await outboundMessageId("abc", "example.com")).toBe(`<steward-${ABC.slice(0, 24)}@example.com>`);
  });
});

describe("errorText", () => {
  it("gives an Error's message and any other value as a string", () => {
    expect(errorText(new TypeError("bad input"))).toBe("bad input");
    expect(errorText("plain")).toBe("plain");
    expect(errorText(42)).toBe("42");
    expect(errorText(undefined)).toBe("undefined");
  });
});

describe("messageText", () => {
  it("joins only the text parts, as they are", () => {
    const parts = [
      { type: "text", text: " Hello" },
      { type: "tool-read", state: "output-available" },
      { type: "reasoning", text: "hidden" },
      { type: "text", text: "world " }
    ];
    expect(messageText(parts)).toBe(" Helloworld ");
    expect(messageText(parts, "\n\n")).toBe(" Hello\n\n\n\n\n\nworld ");
    expect(messageText(undefined)).toBe("");
  });
});

describe("whole numbers", () => {
  it("accepts whole numbers within the bounds only", () => {
    expect(isWholeNumber(1, 1, 500)).toBe(true);
    expect(isWholeNumber(500, 1, 500)).toBe(true);
    expect(isWholeNumber(0, 0, 4)).toBe(true);
    for (const bad of [0, 501, 2.5, Number.NaN, Infinity, "5", null, undefined]) expect(isWholeNumber(bad, 1, 500)).toBe(false);
  });

  it("throws the message the callers have always thrown", () => {
    expect(wholeNumber(20, "limit", 200)).toBe(20);
    expect(() => wholeNumber(0, "limit", 500)).toThrow(new Error("limit must be a whole number from 1 to 500"));
    expect(() => wholeNumber(201, "limit", 200)).toThrow(new Error("limit must be a whole number from 1 to 200"));
    expect(() => wholeNumber(1.5, "limit", 200)).toThrow("limit must be a whole number from 1 to 200");
  });
});

describe("toolFailure", () => {
  it("reads both failure shapes and nothing else", () => {
    expect(toolFailure({ error: "not sent" })).toBe("not sent");
    expect(toolFailure({ ok: false, error: "both", text: "both" })).toBe("both");
    expect(toolFailure({ ok: false, text: "Tier 1 timed out" })).toBe("Tier 1 timed out");
    expect(toolFailure({ ok: false })).toBe("");
    expect(toolFailure({ ok: true, text: "fine" })).toBeNull();
    expect(toolFailure({ error: 5 })).toBeNull();
    expect(toolFailure("error")).toBeNull();
    expect(toolFailure(null)).toBeNull();
    expect(toolFailure([])).toBeNull();
  });
});
