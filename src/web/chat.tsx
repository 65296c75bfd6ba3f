import { useEffect, useRef, useState } from "react";
import type { FormEvent, KeyboardEvent } from "react";
import { useAgent } from "agents/react";
import { useAgentChat } from "@cloudflare/think/react";
import type { UIMessage } from "ai";
import type { SessionSummary } from "../shared/views";
import { MessageView } from "./message";
import type { Link } from "./status";
import { useToolClock } from "./tool-clock";
import { LiveOutputs, useLiveOutputFrames } from "./live-output";
import type { Directory } from "./directory";
import { useChatHistory, useHighlight } from "./chat-history";
import type { BranchPoint, CompactedSpan } from "../shared/memory";
import { errorText } from "../shared/error-text";
import { ApprovalReasons, useApprovalReasonLookup } from "./approval-reasons";
import { AttachmentTray, useAttachments } from "./attachments";
import { CallPanel } from "./call/call-panel";

interface ChatPaneProps {
  session: SessionSummary;
  /** The Assistant connection, for what the chat socket does not carry: approval reasons, compacted messages, branches, edits. */
  directory: Directory;
  /** The Assistant connection, shown in the status line too. */
  directoryLink: Link;
  /** A message to scroll to (a search hit). */
  highlight?: string | null;
}

/** One chat: its own WebSocket to the Conversation facet. */
export function ChatPane({ session, directoryLink, directory, highlight = null }: ChatPaneProps) {
  const [link, setLink] = useState<Link>("connecting");
  const [agentError, setAgentError] = useState<string | null>(null);
  const [liveOutputs, onLiveOutput] = useLiveOutputFrames();
  const agent = useAgent({
    agent: "Assistant",
    basePath: "agent",
    sub: [{ agent: "Conversation", name: session.id }],
    onOpen: () => setLink("open"),
    onClose: () => setLink("closed"),
    // Steward's own frames: a running command's output, and refusals (a frame too large, a malformed frame).
    onMessage: (event: MessageEvent) => {
      if (typeof event.data !== "string" || onLiveOutput(event.data) || !event.data.includes("steward_error")) return;
      try {
        const frame = JSON.parse(event.data) as { type?: string; error?: string };
        if (frame.type === "steward_error" && frame.error) setAgentError(frame.error);
      } catch {
        // not JSON: not ours
      }
    }
  });
  // No HTTP fetch of the history: the chat socket sends it on connect. Skipping the fetch also skips a
  // Suspense fallback, which React holds for ≥ 300 ms; measured in bench/web-app, ~0.3 s to a usable box.
  const chat = useAgentChat({ agent, getInitialMessages: null });
  const busy = chat.status === "submitted" || chat.status === "streaming";
  const clock = useToolClock(session.id, chat.messages);
  const history = useChatHistory(directory, session.id, chat.messages, !busy && link === "open");
  useHighlight(highlight, chat.messages.length > 0);
  const error = agentError ?? history.problem ?? chat.error?.message ?? null;
  // Edits and version switches go through the Assistant (a chat socket takes chat frames only).
  const change = (call: Promise<unknown>) => void call.catch((e: unknown) => setAgentError(errorText(e)));
  const approvalReason = useApprovalReasonLookup(directory, session.id, chat.messages);
  const attachments = useAttachments();
  const [dragging, setDragging] = useState(false);

  return (
    <ApprovalReasons.Provider value={approvalReason}>
      <LiveOutputs.Provider value={liveOutputs}>
        <section
          className="chat"
          aria-label={`Chat: ${session.title}`}
          data-dragging={dragging || undefined}
          // Files dropped anywhere on the chat are attached to the next message.
          onDragOver={(event) => {
            if (!event.dataTransfer.types.includes("Files")) return;
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(event) => {
            if (event.dataTransfer.files.length === 0) return;
            event.preventDefault();
            setDragging(false);
            attachments.add(event.dataTransfer.files);
          }}
        >
          {session.channel === "voice" && <CallPanel session={session.id} />}
          <Messages
            messages={chat.messages}
            busy={busy}
            clock={clock}
            onApproval={(id, approved) => void chat.addToolApprovalResponse({ id, approved })}
            onRegenerate={() => {
              setAgentError(null);
              void chat.regenerate();
            }}
            spans={history.spans}
            branches={history.branches}
            onEdit={(id, text) => change(directory.call("editMessage", [session.id, id, text]))}
            onSwitch={(id, version) => change(directory.call("switchBranch", [session.id, id, version]))}
          />
          {error && (
            <div className="problem" role="alert">
              <p>The agent reported a problem: {error}</p>
              <button
                type="button"
                onClick={() => {
                  setAgentError(null);
                  chat.clearError();
                }}
              >
                Dismiss
              </button>
            </div>
          )}
          <StatusLine link={link} directoryLink={directoryLink} status={chat.status} recovering={chat.isRecovering} />
          <AttachmentTray items={attachments.items} onRemove={attachments.remove} />
          <Composer
            busy={busy}
            connected={link === "open"}
            attachments={attachments.parts.length}
            uploading={attachments.uploading}
            onAttach={attachments.add}
            onSend={(text) => {
              setAgentError(null);
              void chat.sendMessage(attachments.parts.length ? { text, files: attachments.parts } : { text });
              attachments.clear();
            }}
            onStop={() => void chat.stop()}
          />
        </section>
      </LiveOutputs.Provider>
    </ApprovalReasons.Provider>
  );
}

interface MessagesProps {
  messages: UIMessage[];
  busy: boolean;
  clock: ReturnType<typeof useToolClock>;
  onApproval: (approvalId: string, approved: boolean) => void;
  onRegenerate: () => void;
  spans: Map<string, CompactedSpan>;
  branches: Map<string, BranchPoint>;
  onEdit: (messageId: string, text: string) => void;
  onSwitch: (messageId: string, version: string) => void;
}

function Messages({ messages, busy, clock, onApproval, onRegenerate, spans, branches, onEdit, onSwitch }: MessagesProps) {
  const end = useRef<HTMLDivElement>(null);
  const last = messages.at(-1);
  const lastSize = last ? JSON.stringify(last.parts).length : 0;
  // Follow the conversation as it streams.
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [messages.length, lastSize]);
  const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");

  return (
    <div className="messages" role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
      {messages.length === 0 && (
        <p className="muted empty">
          No messages yet. Try <code>/help</code>, <code>/run 6*7</code> or <code>/write notes/todo.md buy milk</code>.
        </p>
      )}
      {messages.map((message, index) => {
        const span = spans.get(message.id);
        if (message.id.startsWith("compaction_")) {
          return <CompactedView key={message.id} summary={message} span={span} clock={clock} onApproval={onApproval} />;
        }
        const branch = branches.get(message.id);
        return (
          <MessageView
            key={message.id}
            message={message}
            clock={clock}
            onApproval={onApproval}
            onRegenerate={index === lastAssistant && !busy ? onRegenerate : undefined}
            onEdit={message.role === "user" && !busy ? (text) => onEdit(message.id, text) : undefined}
            branch={
              branch && {
                index: branch.active,
                count: branch.versions.length,
                onSwitch: busy ? undefined : (to) => onSwitch(message.id, branch.versions[to] ?? "")
              }
            }
          />
        );
      })}
      <div ref={end} />
    </div>
  );
}

/**
 * Where the model now sees a summary: the messages it stands for, as they
 * were (nothing was deleted), then the summary itself, folded.
 */
function CompactedView({
  summary,
  span,
  clock,
  onApproval
}: {
  summary: UIMessage;
  span?: CompactedSpan;
  clock: ReturnType<typeof useToolClock>;
  onApproval: (id: string, approved: boolean) => void;
}) {
  const originals = (span?.messages ?? []) as UIMessage[];
  return (
    <div className="compacted" data-message-id={summary.id}>
      {originals.map((message) => (
        <MessageView key={message.id} message={message} clock={clock} onApproval={onApproval} />
      ))}
      <details className="compaction-note">
        <summary>
          {originals.length > 0 ? `The ${originals.length} messages above` : "Earlier messages"} are summarized for the model to keep this chat within its
          context
        </summary>
        <div className="message-text plain">{summary.parts.map((p) => (p.type === "text" ? p.text : "")).join("")}</div>
      </details>
    </div>
  );
}

interface StatusLineProps {
  link: Link;
  directoryLink: Link;
  status: "submitted" | "streaming" | "ready" | "error";
  recovering: boolean;
}

function StatusLine({ link, directoryLink, status, recovering }: StatusLineProps) {
  let text: string;
  if (link === "connecting") text = "Connecting…";
  else if (link === "closed") text = "Disconnected, reconnecting…";
  else if (recovering) text = "Connected · resuming the interrupted reply…";
  else if (status === "submitted") text = "Connected · sending…";
  else if (status === "streaming") text = "Connected · replying…";
  else if (status === "error") text = "Connected · the last turn failed";
  else text = "Connected · ready";
  if (link === "open" && directoryLink === "closed") text += " · chat list offline";
  return (
    <p className="status" role="status" data-link={link} data-chat={status}>
      <span className={`dot dot-${link}`} aria-hidden="true" />
      {text}
    </p>
  );
}

interface ComposerProps {
  busy: boolean;
  connected: boolean;
  /** Files uploaded and ready to go with the message; a message may be only files. */
  attachments: number;
  uploading: boolean;
  onAttach: (files: Iterable<File>) => void;
  onSend: (text: string) => void;
  onStop: () => void;
}

function Composer({ busy, connected, attachments, uploading, onAttach, onSend, onStop }: ComposerProps) {
  const [draft, setDraft] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  // Focus the box once it can be used, unless the user is already elsewhere on the page.
  useEffect(() => {
    if (connected && (document.activeElement === null || document.activeElement === document.body)) input.current?.focus();
  }, [connected]);

  const send = () => {
    const text = draft.trim();
    if ((!text && attachments === 0) || uploading || busy || !connected) return;
    onSend(text);
    setDraft("");
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };
  // Enter sends; Shift+Enter (or composing with an IME) adds a new line.
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      <label htmlFor="message-input" className="visually-hidden">
        Message
      </label>
      <textarea
        id="message-input"
        ref={input}
        rows={2}
        value={draft}
        disabled={!connected}
        placeholder={connected ? "Message, or /help for commands" : "Waiting for the connection…"}
        aria-describedby="composer-hint"
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
        onPaste={(event) => {
          // A pasted screenshot or file is attached; pasted text goes in as text.
          if (event.clipboardData.files.length === 0) return;
          event.preventDefault();
          onAttach(event.clipboardData.files);
        }}
      />
      <label className="attach button small" title="Attach files (or drop or paste them)">
        Attach
        <input
          type="file"
          multiple
          className="visually-hidden"
          aria-label="Attach files"
          disabled={!connected}
          onChange={(event) => {
            if (event.target.files) onAttach(event.target.files);
            event.target.value = "";
          }}
        />
      </label>
      <span id="composer-hint" className="visually-hidden">
        Enter sends; Shift+Enter starts a new line.
      </span>
      {busy ? (
        <button type="button" className="stop" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={(!draft.trim() && attachments === 0) || uploading || !connected}>
          Send
        </button>
      )}
    </form>
  );
}
