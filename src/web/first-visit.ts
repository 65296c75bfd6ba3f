import { useEffect } from "react";
import type { Directory } from "./directory";
import type { Link } from "./status";

/**
 * Once per page load, when the agent is reachable: offers the browser's time
 * zone. The Assistant keeps it only if no zone was stored yet (first sign-in);
 * the owner's choice in Settings always wins afterwards.
 */
export function useAdoptBrowserTimeZone(directory: Directory, link: Link): void {
  useEffect(() => {
    if (link !== "open") return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) directory.call("adoptTimeZone", [zone]).catch(() => undefined); // a zone Intl on the server does not know: stays UTC
  }, [directory, link]);
}
