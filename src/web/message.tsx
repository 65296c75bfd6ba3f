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
}

export function MessageView({ message, clock, onApproval, onRegenerate }: MessageViewProps) {
  const label = ROLE_LABEL[message.role];
  const text = messageText(message.parts, "\n\n").trim();
  return (
    <article className={`message message-${message.role}`} aria-label={`${label} said`}>
      <div className="message-role" aria-hidden="true">
        {label}
      </div>
      {message.parts.map((part, index) => (
        <PartView key={partKey(part, index)} part={part} role={message.role} clock={clock} onApproval={onApproval} />
      ))}
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
