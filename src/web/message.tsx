import { useState } from "react";
import { isToolUIPart } from "ai";
import type { UIMessage } from "ai";
import { Markdown } from "./markdown-view";
import { ToolCard } from "./tool-card";
import type { OnApproval } from "./tool-card";
import type { ToolClock } from "./tool-clock";
import { messageText } from "../shared/message-text";
import { workspaceFileUrl, workspacePathOfUrl } from "../shared/attachments";
import { WorkspaceImage } from "./image-viewer";

type Part = UIMessage["parts"][number];

const ROLE_LABEL: Record<UIMessage["role"], string> = { user: "You", assistant: "Steward", system: "System" };

interface MessageViewProps {
  message: UIMessage;
  clock: ToolClock;
  onApproval: OnApproval;
  /** Only on the last assistant message, when no turn is running. */
  onRegenerate?: () => void;
  /** The owner's own messages: edit and send again (the earlier version is kept as a branch). */
  onEdit?: (text: string) => void;
  /** Versions of this message: which is shown, how many, and a switch (absent while a turn runs). */
  branch?: { index: number; count: number; onSwitch?: (to: number) => void };
}

export function MessageView({ message, clock, onApproval, onRegenerate, onEdit, branch }: MessageViewProps) {
  const label = ROLE_LABEL[message.role];
  const text = messageText(message.parts, "\n\n").trim();
  const [editing, setEditing] = useState(false);
  if (editing && onEdit) {
    return (
      <article className={`message message-${message.role}`} aria-label={`${label} said`} data-message-id={message.id}>
        <EditForm
          text={text}
          onSave={(next) => {
            setEditing(false);
            onEdit(next);
          }}
          onCancel={() => setEditing(false)}
        />
      </article>
    );
  }
  return (
    <article className={`message message-${message.role}`} aria-label={`${label} said`} data-message-id={message.id}>
      <div className="message-role" aria-hidden="true">
        {label}
      </div>
      {message.parts.map((part, index) => (
        <PartView key={partKey(part, index)} part={part} role={message.role} clock={clock} onApproval={onApproval} />
      ))}
      {message.role === "assistant" && interrupted(message) && (
        <p className="message-interrupted" title="The caller spoke over this answer during a call: it stops where it was cut off.">
          interrupted
        </p>
      )}
      {message.role === "user" && (onEdit || branch) && (
        <div className="message-actions">
          {branch && <BranchSwitch {...branch} />}
          {onEdit && (
            <button type="button" className="small" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
        </div>
      )}
      {message.role === "assistant" && (text || onRegenerate) && (
        <div className="message-actions">
          {text && <CopyButton text={text} />}
          {onRegenerate && (
            <button type="button" className="small" onClick={onRegenerate}>
              Regenerate
            </button>
          )}
        </div>
      )}
    </article>
  );
}

/** A call's barge-in cut this answer off (src/voice/endpoint.ts stores the mark in the message's metadata). */
function interrupted(message: UIMessage): boolean {
  const metadata = message.metadata;
  return typeof metadata === "object" && metadata !== null && (metadata as { interrupted?: unknown }).interrupted === true;
}

function PartView({ part, role, clock, onApproval }: { part: Part; role: UIMessage["role"]; clock: ToolClock; onApproval: OnApproval }) {
  if (part.type === "text") {
    // What the user typed is shown as typed; the model's answer is Markdown.
    return role === "user" ? <div className="message-text plain">{part.text}</div> : <Markdown text={part.text} className="message-text markdown" />;
  }
  if (part.type === "reasoning") {
    return (
      <details className="reasoning">
        <summary>Reasoning</summary>
        <div className="message-text plain">{part.text}</div>
      </details>
    );
  }
  if (isToolUIPart(part)) return <ToolCard part={part} clock={clock} onApproval={onApproval} />;
  if (part.type === "file") {
    // An attachment in the workspace: its picture, or a same-origin download.
    const path = workspacePathOfUrl(part.url);
    if (path && (part.mediaType.startsWith("image/") || /\.(png|jpe?g|gif|webp|svg)$/i.test(path))) return <WorkspaceImage path={path} />;
    if (path) {
      return (
        <a className="file-part" href={workspaceFileUrl(path)} download={part.filename ?? ""}>
          📎 {part.filename ?? path}
        </a>
      );
    }
    return (
      <a className="file-part" href={part.url} target="_blank" rel="noreferrer">
        {part.filename ?? part.mediaType}
      </a>
    );
  }
  return null; // step boundaries, sources and data parts have no view
}

function BranchSwitch({ index, count, onSwitch }: { index: number; count: number; onSwitch?: (to: number) => void }) {
  return (
    <span className="branch-switch" role="group" aria-label="Versions of this message">
      <button type="button" className="small" aria-label="Previous version" disabled={!onSwitch || index === 0} onClick={() => onSwitch?.(index - 1)}>
        ‹
      </button>
      <span className="branch-position">
        {index + 1} / {count}
      </span>
      <button type="button" className="small" aria-label="Next version" disabled={!onSwitch || index >= count - 1} onClick={() => onSwitch?.(index + 1)}>
        ›
      </button>
    </span>
  );
}

function EditForm({ text, onSave, onCancel }: { text: string; onSave: (text: string) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState(text);
  return (
    <form
      className="message-edit"
      onSubmit={(e) => {
        e.preventDefault();
        if (draft.trim()) onSave(draft.trim());
      }}
    >
      <label className="visually-hidden" htmlFor="message-edit-input">
        Edit your message
      </label>
      <textarea id="message-edit-input" value={draft} rows={3} autoFocus onChange={(e) => setDraft(e.target.value)} />
      <div className="message-actions">
        <button type="submit" className="small primary" disabled={!draft.trim()}>
          Send edited
        </button>
        <button type="button" className="small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone("copied");
    } catch {
      setDone("failed"); // no clipboard permission (or not a secure context)
    }
    setTimeout(() => setDone("idle"), 1500);
  };
  return (
    <button type="button" className="small" onClick={() => void copy()}>
      {done === "copied" ? "Copied" : done === "failed" ? "Copy failed" : label}
    </button>
  );
}

function partKey(part: Part, index: number): string {
  if (isToolUIPart(part)) return part.toolCallId;
  return `${part.type}-${index}`;
}
