import { getToolName, isToolUIPart } from "ai";
import type { DynamicToolUIPart, ToolUIPart, UIMessage } from "ai";
import { getToolApproval, getToolInput, getToolOutput, getToolPartState } from "@cloudflare/think/react";

type Part = UIMessage["parts"][number];
type ToolPart = ToolUIPart | DynamicToolUIPart;
type OnApproval = (approvalId: string, approved: boolean) => void;

const ROLE_LABEL: Record<UIMessage["role"], string> = { user: "You", assistant: "Steward", system: "System" };

export function MessageView({ message, onApproval }: { message: UIMessage; onApproval: OnApproval }) {
  const label = ROLE_LABEL[message.role];
  return (
    <article className={`message message-${message.role}`} aria-label={`${label} said`}>
      <div className="message-role" aria-hidden="true">
        {label}
      </div>
      {message.parts.map((part, index) => (
        <PartView key={partKey(part, index)} part={part} onApproval={onApproval} />
      ))}
    </article>
  );
}

function PartView({ part, onApproval }: { part: Part; onApproval: OnApproval }) {
  if (part.type === "text") return <div className="message-text">{part.text}</div>;
  if (part.type === "reasoning") {
    return (
      <details className="reasoning">
        <summary>Reasoning</summary>
        <div className="message-text">{part.text}</div>
      </details>
    );
  }
  if (isToolUIPart(part)) return <ToolCard part={part} onApproval={onApproval} />;
  if (part.type === "file") {
    return (
      <a className="file-part" href={part.url} target="_blank" rel="noreferrer">
        {part.filename ?? part.mediaType}
      </a>
    );
  }
  return null; // step boundaries, sources and data parts have no view yet
}

const STATE_LABEL: Record<ReturnType<typeof getToolPartState>, string> = {
  loading: "preparing",
  streaming: "running",
  "waiting-approval": "needs approval",
  approved: "approved",
  complete: "done",
  error: "failed",
  denied: "denied"
};

/** One tool call, compact: name and state, then input and output. */
function ToolCard({ part, onApproval }: { part: ToolPart; onApproval: OnApproval }) {
  const name = getToolName(part);
  const state = getToolPartState(part);
  const input = getToolInput(part);
  const output = part.state === "output-error" ? part.errorText : getToolOutput(part);
  const approval = getToolApproval(part);
  return (
    <section className="tool" data-tool={name} data-state={state} aria-label={`Tool call ${name}`}>
      <header className="tool-head">
        <code className="tool-name">{name}</code>
        <span className={`tool-state tool-state-${state}`}>{STATE_LABEL[state]}</span>
      </header>
      {input !== undefined && (
        <div className="tool-row">
          <span className="tool-label">input</span>
          <pre className="tool-value">{show(input)}</pre>
        </div>
      )}
      {output !== undefined && (
        <div className="tool-row">
          <span className="tool-label">output</span>
          <pre className="tool-value">{show(output)}</pre>
        </div>
      )}
      {state === "waiting-approval" && approval && (
        <div className="tool-approval">
          <button type="button" onClick={() => onApproval(approval.id, true)}>
            Allow
          </button>
          <button type="button" onClick={() => onApproval(approval.id, false)}>
            Deny
          </button>
        </div>
      )}
    </section>
  );
}

/** Strings as they are; other values as one line of JSON, or indented when long. */
function show(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    const line = JSON.stringify(value);
    if (line === undefined) return String(value);
    return line.length <= 100 ? line : JSON.stringify(value, null, 2);
  } catch {
    return String(value); // cycles, BigInt: not JSON
  }
}

function partKey(part: Part, index: number): string {
  if (isToolUIPart(part)) return part.toolCallId;
  return `${part.type}-${index}`;
}
