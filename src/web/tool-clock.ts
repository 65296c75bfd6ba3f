import { useEffect, useMemo, useState } from "react";
import { isToolUIPart } from "ai";
import type { UIMessage } from "ai";

/** When this browser first saw a tool call start and finish. Kept per chat in localStorage, so durations survive a reload. */
interface Times {
  start: number;
  end?: number;
}

const KEY = "steward.toolTimes.";
const MAX_KEPT = 300;
const FINISHED = new Set(["output-available", "output-error", "output-denied"]);

export interface ToolClock {
  /** Milliseconds the call took, or has been running so far; undefined if this browser never saw it start. */
  elapsed(toolCallId: string): { ms: number; running: boolean } | undefined;
}

/**
 * Durations for tool cards. The stream does not carry timings, so the page
 * measures what it sees: from the first part state to the result. A ticking
 * clock while a call runs is the progress shown for long calls.
 */
export function useToolClock(sessionId: string, messages: UIMessage[]): ToolClock {
  const times = useMemo(() => load(sessionId), [sessionId]);
  const [now, setNow] = useState(() => Date.now());

  let running = false;
  let changed = false;
  const at = Date.now();
  for (const message of messages) {
    for (const part of message.parts) {
      if (!isToolUIPart(part)) continue;
      const finished = FINISHED.has(part.state);
      const known = times.get(part.toolCallId);
      if (part.state === "approval-requested") {
        // Time spent waiting for the owner is not the call's duration: the clock starts on approval.
        // (Kept in memory only; the next render after approval stores the real start.)
        times.set(part.toolCallId, { start: at });
        continue;
      }
      if (!known) {
        // Seen for the first time already finished (history): no honest duration to show.
        if (finished) continue;
        times.set(part.toolCallId, { start: at });
        changed = true;
        running = true;
      } else if (!known.end && finished) {
        known.end = at;
        changed = true;
      } else if (!known.end) {
        running = true;
      }
    }
  }
  if (changed) save(sessionId, times);

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);

  return {
    elapsed(toolCallId) {
      const t = times.get(toolCallId);
      if (!t) return undefined;
      return t.end ? { ms: t.end - t.start, running: false } : { ms: Math.max(0, Math.max(now, Date.now()) - t.start), running: true };
    }
  };
}

function load(sessionId: string): Map<string, Times> {
  try {
    const raw = localStorage.getItem(KEY + sessionId);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return new Map(Array.isArray(parsed) ? (parsed as Array<[string, Times]>) : []);
  } catch {
    return new Map();
  }
}

function save(sessionId: string, times: Map<string, Times>): void {
  try {
    localStorage.setItem(KEY + sessionId, JSON.stringify([...times].slice(-MAX_KEPT)));
  } catch {
    // storage full or disabled: durations last for this page only
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
