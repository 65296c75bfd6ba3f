import { useCallback, useEffect, useState } from "react";

/** Where the page is: one of five views; for chats, which one. Kept in the URL hash so reloads and links keep it. */
export type Route =
  | { view: "chat"; chatId: string | null }
  /** `path` is relative to /workspace, as in the hash: #/files/notes/a.md */
  | { view: "files"; path: string | null }
  | { view: "audit" }
  | { view: "tasks" }
  | { view: "settings" };

export function parseRoute(hash: string): Route {
  const [view = "", ...rest] = hash.replace(/^#\/?/, "").split("/");
  const tail = rest.map(decodeURIComponent).join("/");
  if (view === "files") return { view: "files", path: tail || null };
  if (view === "audit") return { view: "audit" };
  if (view === "tasks") return { view: "tasks" };
  if (view === "settings") return { view: "settings" };
  return { view: "chat", chatId: tail || null };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case "chat":
      return route.chatId ? `#/chat/${encodeURIComponent(route.chatId)}` : "#/chat";
    case "files":
      return route.path ? `#/files/${route.path.split("/").filter(Boolean).map(encodeURIComponent).join("/")}` : "#/files";
    default:
      return `#/${route.view}`;
  }
}

export function useRoute(): [Route, (next: Route, replace?: boolean) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  const go = useCallback((next: Route, replace = false) => {
    const hash = routeHash(next);
    if (hash !== location.hash) {
      if (replace) history.replaceState(null, "", hash);
      else history.pushState(null, "", hash);
    }
    setRoute(next);
  }, []);
  return [route, go];
}
