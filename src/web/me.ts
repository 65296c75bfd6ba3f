import { useEffect, useState } from "react";
import { errorText } from "../shared/error-text";

/** What /api/me says about the caller. */
export interface Me {
  id: string;
  email: string | null;
  source: "access" | "dev";
}

export type MeResult = { status: "loading" } | { status: "ok"; me: Me } | { status: "error"; message: string };

/** Who the Worker says you are; shown in the footer. */
export function useMe(): MeResult {
  const [result, setResult] = useState<MeResult>({ status: "loading" });
  useEffect(() => {
    const controller = new AbortController();
    fetch("/api/me", { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(async (response) => {
        const body: unknown = await response.json().catch(() => null);
        if (!response.ok) {
          const message = isRecord(body) && typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
          setResult({ status: "error", message });
        } else if (isMe(body)) {
          setResult({ status: "ok", me: body });
        } else {
          setResult({ status: "error", message: "unexpected answer from /api/me" });
        }
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setResult({ status: "error", message: errorText(error) });
      });
    return () => controller.abort();
  }, []);
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isMe(value: unknown): value is Me {
  return isRecord(value) && typeof value.id === "string" && (value.source === "access" || value.source === "dev");
}
