import { Suspense, useCallback, useEffect, useRef, useState } from "react";
import { useAgent } from "agents/react";
import type { Assistant, AssistantState } from "../assistant/assistant";
import { ChatPane } from "./chat";
import { ErrorBoundary } from "./error-boundary";
import { errorText, useMe } from "./me";
import { Sidebar } from "./sidebar";
import type { Link } from "./status";

const ACTIVE_KEY = "steward.activeSession";

/**
 * Two connections, as in Think's multi-chat pattern: one to the user's
 * Assistant (/agent) for the session list, one to the active session's
 * Conversation (/agent/sub/conversation/<id>) for the chat itself. The Worker
 * picks the Assistant from the caller's identity; the page never names it.
 */
export function App() {
  const [link, setLink] = useState<Link>("connecting");
  const directory = useAgent<Assistant, AssistantState>({
    agent: "Assistant",
    basePath: "agent",
    onOpen: () => setLink("open"),
    onClose: () => setLink("closed")
  });
  const sessions = directory.state?.sessions;

  const [activeId, setActiveId] = useState<string | null>(readActive);
  const [problem, setProblem] = useState<string | null>(null);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const creating = useRef(false);

  const choose = useCallback((id: string) => {
    setActiveId(id);
    writeActive(id);
    setSidebarOpen(false);
  }, []);

  const createSession = useCallback(async () => {
    if (creating.current) return;
    creating.current = true;
    try {
      const created = await directory.call("createSession", [{}]);
      setProblem(null);
      choose(created.id);
    } catch (error) {
      setProblem(`Could not create a session: ${errorText(error)}`);
    } finally {
      creating.current = false;
    }
  }, [directory, choose]);

  // Once the list is known: keep the remembered session if it still exists,
  // else take the most recent one, else start the first one.
  useEffect(() => {
    if (!sessions) return;
    if (activeId && sessions.some((s) => s.id === activeId)) return;
    const newest = sessions[0];
    if (newest) choose(newest.id);
    else void createSession();
  }, [sessions, activeId, choose, createSession]);

  const active = sessions?.find((s) => s.id === activeId);
  const me = useMe();

  return (
    <div className="app" data-sidebar={sidebarOpen ? "open" : "closed"}>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-controls="sessions"
          aria-expanded={sidebarOpen}
          onClick={() => setSidebarOpen((open) => !open)}
        >
          Sessions
        </button>
        <h1>Steward</h1>
        <span className="topbar-title">{active?.title ?? ""}</span>
      </header>

      <Sidebar
        id="sessions"
        sessions={sessions}
        activeId={activeId}
        onChoose={choose}
        onCreate={() => void createSession()}
      />

      <main className="main">
        {problem && (
          <p className="problem" role="alert">
            {problem}
          </p>
        )}
        {active ? (
          <ErrorBoundary key={active.id}>
            <Suspense fallback={<p className="placeholder" role="status">Loading messages…</p>}>
              <ChatPane key={active.id} session={active} directoryLink={link} />
            </Suspense>
          </ErrorBoundary>
        ) : (
          <p className="placeholder" role="status">
            {link === "closed" ? "Cannot reach your agent; retrying…" : sessions ? "Starting a session…" : "Connecting…"}
          </p>
        )}
      </main>

      <footer className="footer">
        {me.status === "ok" ? (
          <span>
            Signed in as <strong>{me.me.email ?? me.me.id}</strong>
            {me.me.source === "dev" ? " (local dev user)" : ""}
          </span>
        ) : me.status === "error" ? (
          <span role="alert">Not signed in: {me.message}</span>
        ) : (
          <span>Checking who you are…</span>
        )}
      </footer>
    </div>
  );
}

function readActive(): string | null {
  try {
    return localStorage.getItem(ACTIVE_KEY);
  } catch {
    return null; // storage disabled (private mode, policy): start fresh each load
  }
}

function writeActive(id: string): void {
  try {
    localStorage.setItem(ACTIVE_KEY, id);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}
