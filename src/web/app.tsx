import { Suspense, useCallback, useEffect, useRef, useState } from "react";
import { useAgent } from "agents/react";
import type { AssistantApi } from "../shared/api";
import type { AssistantState } from "../shared/views";
import { AuditView } from "./audit";
import { ChatPane } from "./chat";
import { ErrorBoundary } from "./error-boundary";
import { FilesView } from "./files";
import { useMe } from "./me";
import { errorText } from "../shared/error-text";
import { useRoute } from "./route";
import type { Route } from "./route";
import { SettingsView } from "./settings";
import { ChatList } from "./sidebar";
import { TasksView } from "./tasks";
import type { Link } from "./status";
import { Problem } from "./problem";
import { HistorySearch } from "./history-search";
import { Account } from "./account";
import { OfflineBanner, useOnline } from "./online";
import { useAdoptBrowserTimeZone } from "./first-visit";

const ACTIVE_KEY = "steward.activeSession";

const VIEWS: Array<{ view: Route["view"]; label: string }> = [
  { view: "chat", label: "Chat" },
  { view: "files", label: "Files" },
  { view: "audit", label: "Audit" },
  { view: "tasks", label: "Tasks" },
  { view: "settings", label: "Settings" }
];

/**
 * Two kinds of connection, as in Think's multi-chat pattern: one to the user's
 * Assistant (/agent) for chats, files, audit and settings, and one to the open
 * chat's Conversation (/agent/sub/conversation/<id>). The Worker picks the
 * Assistant from the caller's identity; the page never names it.
 */
export function App() {
  const [link, setLink] = useState<Link>("connecting");
  const directory = useAgent<AssistantApi, AssistantState>({
    agent: "Assistant",
    basePath: "agent",
    onOpen: () => setLink("open"),
    onClose: () => setLink("closed")
  });
  const sessions = directory.state?.sessions;
  const [route, go] = useRoute();
  const [navOpen, setNavOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const creating = useRef(false);
  /** The message a search hit opened, shown once its chat has loaded. */
  const [highlight, setHighlight] = useState<{ session: string; messageId: string } | null>(null);

  const remembered = route.view === "chat" ? (route.chatId ?? readActive()) : readActive();
  const activeId = sessions && remembered && sessions.some((s) => s.id === remembered) ? remembered : null;

  const openChat = useCallback(
    (id: string, replace = false) => {
      writeActive(id);
      go({ view: "chat", chatId: id }, replace);
      setNavOpen(false);
    },
    [go]
  );

  const createSession = useCallback(async () => {
    if (creating.current) return;
    creating.current = true;
    try {
      const created = await directory.call("createSession", [{}]);
      setProblem(null);
      openChat(created.id);
    } catch (error) {
      setProblem(`Could not create a chat: ${errorText(error)}`);
    } finally {
      creating.current = false;
    }
  }, [directory, openChat]);

  const createCall = useCallback(async () => {
    try {
      const created = await directory.call("createCallSession", []);
      setProblem(null);
      openChat(created.id);
    } catch (error) {
      setProblem(`Could not start a call: ${errorText(error)}`);
    }
  }, [directory, openChat]);

  // Once the list is known, on the chat view: keep the chosen chat if it still
  // exists, else the most recent one, else start the first one.
  useEffect(() => {
    if (!sessions || route.view !== "chat" || activeId) return;
    const newest = sessions[0];
    if (newest) openChat(newest.id, true);
    else void createSession();
  }, [sessions, route.view, activeId, openChat, createSession]);

  const renameSession = useCallback(
    async (id: string, title: string) => {
      await directory.call("renameSession", [id, title]);
    },
    [directory]
  );
  const deleteSession = useCallback(
    async (id: string) => {
      await directory.call("deleteSession", [id]);
      if (id === readActive()) clearActive();
    },
    [directory]
  );

  const active = sessions?.find((s) => s.id === activeId);
  const me = useMe();
  const online = useOnline();
  useAdoptBrowserTimeZone(directory, link);
  const unread = directory.state?.notifications?.length ?? 0;
  const title = route.view === "chat" ? (active?.title ?? "") : (VIEWS.find((v) => v.view === route.view)?.label ?? "");

  return (
    <div className="app" data-nav={navOpen ? "open" : "closed"}>
      {/* A button, not an in-page link: the URL hash holds the route. */}
      <button type="button" className="skip-link" onClick={() => (document.getElementById("message-input") ?? document.getElementById("main"))?.focus()}>
        {route.view === "chat" ? "Skip to the message box" : "Skip to content"}
      </button>
      <header className="topbar">
        <button type="button" className="menu-button" aria-controls="nav" aria-expanded={navOpen} onClick={() => setNavOpen((open) => !open)}>
          Menu
        </button>
        <h1>Steward</h1>
        <span className="topbar-title">{title}</span>
        <ConnectionBadge link={link} online={online} />
      </header>

      <nav id="nav" className="sidebar" aria-label="Steward">
        <ul className="views">
          {VIEWS.map(({ view, label }) => (
            <li key={view}>
              <a
                href={view === "chat" && activeId ? `#/chat/${encodeURIComponent(activeId)}` : `#/${view}`}
                aria-current={route.view === view ? "page" : undefined}
                onClick={() => setNavOpen(false)}
              >
                {label}
                {view === "tasks" && unread > 0 && (
                  <span className="count">
                    <span aria-hidden="true">{unread}</span>
                    <span className="visually-hidden">, {unread === 1 ? "1 unread result" : `${unread} unread results`}</span>
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
        <HistorySearch
          directory={directory}
          link={link}
          onOpen={(session, messageId) => {
            setHighlight({ session, messageId });
            openChat(session);
          }}
        />
        <ChatList
          sessions={sessions}
          activeId={route.view === "chat" ? activeId : null}
          onChoose={(id) => openChat(id)}
          onCreate={() => void createSession()}
          onCall={() => void createCall()}
          onRename={renameSession}
          onDelete={deleteSession}
        />
      </nav>

      <main id="main" className="main" tabIndex={-1}>
        {!online ? (
          <OfflineBanner />
        ) : (
          link === "closed" && (
            <p className="banner" role="status">
              Connection to your agent lost; reconnecting…
            </p>
          )
        )}
        <Problem text={problem} />
        <ErrorBoundary key={route.view === "chat" ? `chat-${activeId ?? ""}` : route.view}>
          {route.view === "chat" &&
            (active ? (
              <Suspense
                fallback={
                  <p className="placeholder" role="status">
                    Loading messages…
                  </p>
                }
              >
                <ChatPane
                  key={active.id}
                  session={active}
                  directory={directory}
                  directoryLink={link}
                  highlight={highlight?.session === active.id ? highlight.messageId : null}
                />
              </Suspense>
            ) : (
              <p className="placeholder" role="status">
                {link === "closed" ? "Cannot reach your agent; retrying…" : sessions ? "Starting a chat…" : "Connecting…"}
              </p>
            ))}
          {route.view === "files" && (
            <FilesView
              directory={directory}
              link={link}
              path={route.path}
              onOpen={(path) => go({ view: "files", path: path?.replace(/^\/workspace\/?/, "") || null }, true)}
            />
          )}
          {route.view === "audit" && <AuditView directory={directory} link={link} sessions={sessions ?? []} />}
          {route.view === "tasks" && <TasksView directory={directory} link={link} onOpenChat={(id) => openChat(id)} />}
          {route.view === "settings" && <SettingsView directory={directory} link={link} />}
        </ErrorBoundary>
      </main>

      <footer className="footer">
        <Account me={me} online={online} />
      </footer>
    </div>
  );
}

function ConnectionBadge({ link, online }: { link: Link; online: boolean }) {
  const text = !online ? "Offline" : link === "open" ? "Online" : link === "connecting" ? "Connecting…" : "Reconnecting…";
  return (
    <span className="connection" data-link={link}>
      <span className={`dot dot-${link}`} aria-hidden="true" />
      {text}
    </span>
  );
}

function readActive(): string | null {
  try {
    return localStorage.getItem(ACTIVE_KEY);
  } catch {
    return null; // storage disabled (private mode, policy): the URL hash still remembers
  }
}

function writeActive(id: string): void {
  try {
    localStorage.setItem(ACTIVE_KEY, id);
  } catch {
    // storage disabled: the URL hash keeps the choice
  }
}

function clearActive(): void {
  try {
    localStorage.removeItem(ACTIVE_KEY);
  } catch {
    // nothing stored
  }
}
