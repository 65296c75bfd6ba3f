import { useState } from "react";
import type { FormEvent } from "react";
import { MEMORY_LIMITS } from "../../shared/memory";
import type { MemoryEntry } from "../../shared/memory";
import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";
import { Problem } from "../problem";

/** What the agent keeps about you across sessions: every entry is in every session's prompt. */
export function MemorySection({ directory, link }: SettingsSectionProps) {
  const { value: entries, problem, run } = useLoaded(link, () => directory.call("listMemory", []));
  const [draft, setDraft] = useState("");

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    await run(() => directory.call("addMemory", [text]));
    setDraft("");
  };

  return (
    <>
      <p className="muted">
        Facts and preferences your agent keeps about you, shared by all your chats, emails, calls and tasks. The agent adds them with its remember tool (from
        email, calls and tasks only with your approval); you can change them here. Up to {MEMORY_LIMITS.entries} entries, {MEMORY_LIMITS.totalChars} characters
        in all.
      </p>
      <Problem text={problem} />
      {entries ? (
        entries.length === 0 ? (
          <p className="muted">Nothing remembered yet.</p>
        ) : (
          <ul className="memory-list" aria-label="Memory">
            {entries.map((entry) => (
              <MemoryItem
                key={entry.id}
                entry={entry}
                onSave={(text) => run(() => directory.call("updateMemory", [entry.id, text]))}
                onDelete={() => run(() => directory.call("deleteMemory", [entry.id]))}
              />
            ))}
          </ul>
        )
      ) : (
        !problem && <p className="muted">Loading…</p>
      )}
      <form className="memory-add" onSubmit={(e) => void add(e)}>
        <label htmlFor="memory-new">Remember</label>
        <input
          id="memory-new"
          value={draft}
          maxLength={MEMORY_LIMITS.entryChars}
          placeholder="e.g. prefers metric units"
          onChange={(e) => setDraft(e.target.value)}
          disabled={!entries}
        />
        <button type="submit" disabled={!draft.trim() || !entries}>
          Add
        </button>
      </form>
    </>
  );
}

function MemoryItem({ entry, onSave, onDelete }: { entry: MemoryEntry; onSave: (text: string) => Promise<void>; onDelete: () => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(entry.text);
  const from = entry.source === "owner" ? "added by you" : "added by the agent";

  if (editing) {
    return (
      <li className="memory-item" data-memory-id={entry.id}>
        <form
          className="memory-edit"
          onSubmit={(e) => {
            e.preventDefault();
            void onSave(draft).then(() => setEditing(false));
          }}
        >
          <label className="visually-hidden" htmlFor={`memory-${entry.id}`}>
            Edit memory {entry.id}
          </label>
          <input id={`memory-${entry.id}`} value={draft} maxLength={MEMORY_LIMITS.entryChars} autoFocus onChange={(e) => setDraft(e.target.value)} />
          <button type="submit" disabled={!draft.trim()}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li className="memory-item" data-memory-id={entry.id}>
      <span className="memory-text">{entry.text}</span>
      <span className="muted memory-source">{from}</span>
      <span className="memory-actions">
        <button
          type="button"
          className="small"
          aria-label={`Edit “${entry.text}”`}
          onClick={() => {
            setDraft(entry.text);
            setEditing(true);
          }}
        >
          Edit
        </button>
        <button type="button" className="small" aria-label={`Delete “${entry.text}”`} onClick={() => void onDelete()}>
          Delete
        </button>
      </span>
    </li>
  );
}
