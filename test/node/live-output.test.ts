import { afterEach, describe, expect, it, vi } from "vitest";
import { LIVE_TAIL_CHARS, LiveOutput, relayOutput, updateGapMs } from "../../src/ladder/live-output";
import type { LiveView } from "../../src/ladder/live-output";

afterEach(() => vi.useRealTimers());

describe("live tier 4 output", () => {
  it("publishes the tails, spaced by updateGapMs, and nothing after close", () => {
    vi.useFakeTimers();
    let clock = 0;
    const views: LiveView[] = [];
    const live = new LiveOutput(
      (view) => views.push(view),
      () => clock
    );
    live.listener("stdout", "a");
    vi.advanceTimersByTime(0);
    expect(views).toEqual([{ stdout: "a", stderr: "", truncated: false }]);
    // Within the gap: joined into one frame at its end.
    live.listener("stdout", "b");
    live.listener("stderr", "e");
    vi.advanceTimersByTime(100);
    expect(views).toHaveLength(1);
    clock = updateGapMs(0);
    vi.advanceTimersByTime(updateGapMs(0));
    expect(views.at(-1)).toEqual({ stdout: "ab", stderr: "e", truncated: false });
    live.listener("stdout", "x".repeat(LIVE_TAIL_CHARS));
    live.close();
    vi.advanceTimersByTime(10_000);
    expect(views).toHaveLength(2);
  });

  it("keeps only the tail and says the start is cut", () => {
    vi.useFakeTimers();
    const views: LiveView[] = [];
    const live = new LiveOutput((view) => views.push(view));
    live.listener("stdout", `start${"y".repeat(LIVE_TAIL_CHARS)}`);
    vi.advanceTimersByTime(0);
    expect(views[0]?.stdout).toBe("y".repeat(LIVE_TAIL_CHARS));
    expect(views[0]?.truncated).toBe(true);
  });

  it("the gap grows with the run and is capped", () => {
    expect(updateGapMs(0)).toBe(250);
    expect(updateGapMs(30_000)).toBe(1250);
    expect(updateGapMs(600_000)).toBe(2000);
  });

  it("relays in order with one call in flight, joining what arrives meanwhile; a gone listener is dropped", async () => {
    const calls: string[] = [];
    let release: () => void = () => {};
    let inFlight = 0;
    const relay = relayOutput(async (stream, text) => {
      inFlight++;
      expect(inFlight).toBe(1);
      calls.push(`${stream}:${text}`);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      inFlight--;
    });
    relay?.("stdout", "1");
    relay?.("stdout", "2");
    relay?.("stderr", "!");
    relay?.("stdout", "3");
    expect(calls).toEqual(["stdout:1"]);
    release();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    release();
    await vi.waitFor(() => expect(calls).toHaveLength(3));
    release();
    // Each stream in order, joined: three calls for four pieces.
    expect(calls.filter((c) => c.startsWith("stdout"))).toEqual(["stdout:1", "stdout:23"]);
    expect(calls.filter((c) => c.startsWith("stderr"))).toEqual(["stderr:!"]);

    let tries = 0;
    const gone = relayOutput(async () => {
      tries++;
      throw new Error("the stub is disposed");
    });
    gone?.("stdout", "a");
    await new Promise((r) => setTimeout(r, 0));
    gone?.("stdout", "b");
    await new Promise((r) => setTimeout(r, 0));
    expect(tries).toBe(1);
    expect(relayOutput(undefined)).toBeUndefined();
  });
});
