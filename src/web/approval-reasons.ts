import { createContext, useContext, useEffect, useState } from "react";
import { isToolUIPart } from "ai";
import type { UIMessage } from "ai";
import type { Directory } from "./directory";

/**
 * Why each waiting call asks, in the gate's own words (src/gate/decide.ts via
 * the Assistant's `approvalReasons`): a chat that came by email asks for
 * anything with effects even when the tier is set to allow, so the tier alone
 * would say something untrue. `undefined`: not known (yet).
 */
export const ApprovalReasons = createContext<(toolCallId: string) => string | undefined>(() => undefined);

export function useApprovalReason(toolCallId: string): string | undefined {
  return useContext(ApprovalReasons)(toolCallId);
}

/** Fetches the chat's reasons whenever a call waits whose reason this page has not seen. */
export function useApprovalReasonLookup(directory: Directory, sessionId: string, messages: UIMessage[]): (toolCallId: string) => string | undefined {
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const waiting = messages.flatMap((m) =>
    m.parts.filter((p) => isToolUIPart(p) && p.state === "approval-requested").map((p) => (isToolUIPart(p) ? p.toolCallId : ""))
  );
  // Stable until the answer lands: a re-render mid-request keeps the same key, so the request is not dropped.
  const missing = waiting.filter((id) => !(id in reasons));
  const key = missing.join(",");
  useEffect(() => {
    if (!key) return;
    const ids = key.split(",");
    let cancelled = false;
    // A call with no recorded reason (asked before reasons were kept, or the call failed) gets "":
    // the card then says it waits, without inventing a cause.
    const settle = (found: Record<string, string>) => {
      if (!cancelled) setReasons((old) => ({ ...old, ...found, ...Object.fromEntries(ids.map((id) => [id, found[id] ?? ""])) }));
    };
    directory.call("approvalReasons", [sessionId]).then(settle, () => settle({}));
    return () => {
      cancelled = true;
    };
  }, [directory, sessionId, key]);
  return (id) => reasons[id];
}
