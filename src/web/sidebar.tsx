import type { SessionSummary } from "../assistant/sessions";

interface SidebarProps {
  id: string;
  sessions: SessionSummary[] | undefined;
  activeId: string | null;
  onChoose: (id: string) => void;
  onCreate: () => void;
}

/** The user's sessions, most recent first. */
export function Sidebar({ id, sessions, activeId, onChoose, onCreate }: SidebarProps) {
  return (
    <nav id={id} className="sidebar" aria-label="Sessions">
      <button type="button" className="new-session" onClick={onCreate} disabled={!sessions}>
        + New session
      </button>
      {sessions === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <ul className="session-list">
          {sessions.map((session) => (
            <li key={session.id}>
              <button
                type="button"
                className="session"
                aria-current={session.id === activeId ? "page" : undefined}
                onClick={() => onChoose(session.id)}
              >
                <span className="session-title">{session.title}</span>
                {session.channel !== "web" && <span className="session-channel">{session.channel}</span>}
                <span className="session-preview">{session.preview || "No messages yet"}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
