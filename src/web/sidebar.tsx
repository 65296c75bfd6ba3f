import { useState } from "react";
import type { FormEvent } from "react";
import type { Channel } from "../shared/channel";
import type { SessionSummary } from "../shared/views";
import { Problem } from "./problem";
import { ConfirmDelete } from "./confirm-delete";
import { errorText } from "../shared/error-text";

interface SidebarProps {
  sessions: SessionSummary[] | undefined;
  activeId: string | null;
  onChoose: (id: string) => void;
  onCreate: () => void;
  /** A voice call: a session of its own, spoken (src/web/call). */
  onCall: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}

/** The user's chats, most recent first: open, new, rename, delete. */
export function ChatList({ sessions, activeId, onChoose, onCreate, onCall, onRename, onDelete }: SidebarProps) {
  return (
    <section className="chat-list" aria-label="Chats">
      <button type="button" className="new-chat" onClick={onCreate} disabled={!sessions}>
        + New chat
      </button>
      <button type="button" className="new-call" onClick={onCall} disabled={!sessions}>
        ☎ Call
      </button>
      {sessions === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <ul className="session-list">
          {sessions.map((session) => (
            <ChatItem key={session.id} session={session} active={session.id === activeId} onChoose={onChoose} onRename={onRename} onDelete={onDelete} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** Chats that did not start in this app say where they came from; all of them can be continued here. */
const CHANNEL_BADGES: Partial<Record<Channel, { icon: string; label: string }>> = {
  web: { icon: "", label: "" },
  email: { icon: "✉", label: "email" },
  schedule: { icon: "◷", label: "scheduled task" },
  api: { icon: "⇄", label: "API task" },
  mcp: { icon: "⇄", label: "MCP client" },
  voice: { icon: "🎙", label: "voice" },
  phone: { icon: "☎", label: "phone" }
};

type Mode = "idle" | "renaming" | "confirm-delete";

function ChatItem({
  session,
  active,
  onChoose,
  onRename,
  onDelete
}: {
  session: SessionSummary;
  active: boolean;
  onChoose: (id: string) => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}) {
  const [mode, setMode] = useState<Mode>("idle");
  const [draft, setDraft] = useState(session.title);
  const [problem, setProblem] = useState<string | null>(null);

  const submitRename = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await onRename(session.id, draft);
      setMode("idle");
      setProblem(null);
    } catch (error) {
      setProblem(errorText(error));
    }
  };

  return (
    <li className="session-item" data-session-id={session.id} data-active={active || undefined}>
      {mode === "renaming" ? (
        <form className="rename" onSubmit={(e) => void submitRename(e)}>
          <label className="visually-hidden" htmlFor={`rename-${session.id}`}>
            New title for {session.title}
          </label>
          <input
            id={`rename-${session.id}`}
            value={draft}
            autoFocus
            maxLength={120}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setMode("idle");
            }}
          />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" className="session" aria-current={active ? "page" : undefined} onClick={() => onChoose(session.id)}>
          <span className="session-title">{session.title}</span>
          {session.channel !== "web" && (
            <span className="session-channel" data-channel={session.channel}>
              <span aria-hidden="true">{CHANNEL_BADGES[session.channel]?.icon ?? "•"} </span>
              {CHANNEL_BADGES[session.channel]?.label ?? session.channel}
            </span>
          )}
          <span className="session-preview">{session.preview || "No messages yet"}</span>
        </button>
      )}
      {mode === "idle" && (
        <span className="session-actions">
          <button
            type="button"
            className="icon-button"
            aria-label={`Rename ${session.title}`}
            title="Rename"
            onClick={() => {
              setDraft(session.title);
              setMode("renaming");
            }}
          >
            ✎
          </button>
          <button type="button" className="icon-button" aria-label={`Delete ${session.title}`} title="Delete" onClick={() => setMode("confirm-delete")}>
            ×
          </button>
        </span>
      )}
      {mode === "confirm-delete" && (
        <ConfirmDelete
          name={session.title}
          question="Delete this chat and its messages?"
          onDelete={() => void onDelete(session.id).catch((error: unknown) => setProblem(String(error)))}
          onKeep={() => setMode("idle")}
        />
      )}
      <Problem text={problem} />
    </li>
  );
}
