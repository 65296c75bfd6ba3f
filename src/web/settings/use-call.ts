import { useCallback, useEffect, useState } from "react";
import { errorText } from "../../shared/error-text";
import type { Link } from "../status";

/** Loads a value over RPC once the connection is open (again after a reconnect); `set` replaces it with a fresh answer. */
export function useLoaded<T>(link: Link, load: () => Promise<T>) {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (link !== "open") return;
    let cancelled = false;
    load()
      .then((v) => {
        if (cancelled) return;
        setValue(v);
        setProblem(null);
      })
      .catch((error: unknown) => !cancelled && setProblem(errorText(error)));
    return () => {
      cancelled = true;
    };
    // `load` is recreated each render; reloading on reconnect is what matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [link]);
  const run = useCallback(async (change: () => Promise<T>) => {
    try {
      setValue(await change());
      setProblem(null);
    } catch (error) {
      setProblem(errorText(error));
    }
  }, []);
  return { value, problem, run };
}
