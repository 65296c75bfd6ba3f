import { useEffect, useState } from "react";
import type { UIMessage } from "ai";
import type { Directory } from "./directory";
import type { BranchPoint, CompactedSpan } from "../shared/memory";
import { errorText } from "../shared/error-text";

/**
 * The parts of a chat that live beyond useAgentChat's messages, read from
 * the Assistant: the messages behind a compaction summary (the model sees
 * the summary; the owner still sees everything) and the versions of edited
 * messages. Both are re-read when the chat settles with different messages.
 */
export function useChatHistory(directory: Directory, sessionId: string, messages: UIMessage[], settled: boolean) {
  const [spans, setSpans] = useState<Map<string, CompactedSpan>>(new Map());
  const [branches, setBranches] = useState<Map<string, BranchPoint>>(new Map());
  const [problem, setProblem] = useState<string | null>(null);
  const ids = messages.map((m) => m.id).join(",");
  const compacted = messages.some((m) => m.id.startsWith("compaction_"));

  useEffect(() => {
    if (!settled || !ids) return;
    let cancelled = false;
    const load = async () => {
      const [points, found] = await Promise.all([
        directory.call("getBranchPoints", [sessionId]),
        compacted ? directory.call("getCompactedMessages", [sessionId]) : Promise.resolve([])
      ]);
      if (cancelled) return;
      setBranches(new Map(points.map((p) => [p.messageId, p])));
      setSpans(new Map((found as CompactedSpan[]).map((s) => [s.overlayId, s])));
      setProblem(null);
    };
    load().catch((error: unknown) => !cancelled && setProblem(errorText(error)));
    return () => {
      cancelled = true;
    };
  }, [directory, sessionId, ids, compacted, settled]);

  return { spans, branches, problem };
}

/** Scrolls to and marks the message a search hit opened, once it is on the page. */
export function useHighlight(messageId: string | null, ready: boolean): void {
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (!messageId || !ready || done === messageId) return;
    const element = document.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!element) return;
    element.scrollIntoView({ block: "center" });
    element.classList.add("highlighted");
    setDone(messageId);
  });
}
