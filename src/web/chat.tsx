import { useEffect, useRef, useState } from "react";
import type { FormEvent, KeyboardEvent } from "react";
import { useAgent } from "agents/react";
import { useAgentChat } from "@cloudflare/think/react";
import type { UIMessage } from "ai";
import type { SessionSummary } from "../shared/views";
import { MessageView } from "./message";
import type { Link } from "./status";
import { useToolClock } from "./tool-clock";
import { CallPanel } from "./call/call-panel";

interface ChatPaneProps {
  session: SessionSummary;
  /** The Assistant connection, shown in the status line too. */
  directoryLink: Link;
}

/** One chat: its own WebSocket to the Conversation facet. */
export function ChatPane({ session, directoryLink }: ChatPaneProps) {
  const [link, setLink] = useState<Link>("connecting");
  const [agentError, setAgentError] = useState<string | null>(null);
  const agent = useAgent({
    agent: "Assistant",
    basePath: "agent",
    sub: [{ agent: "Conversation", name: session.id }],
    onOpen: () => setLink("open"),
    onClose: () => setLink("closed"),
    // Steward's own refusals (a frame too large, a malformed frame) arrive as `steward_error`.
    onMessage: (event: MessageEvent) => {
      if (typeof event.data !== "string" || !event.data.includes("steward_error")) return;
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
  const error = agentError ?? chat.error?.message ?? null;

  return (
    <section className="chat" aria-label={`Chat: ${session.title}`}>
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
      <Composer
        busy={busy}
        connected={link === "open"}
        onSend={(text) => {
          setAgentError(null);
          void chat.sendMessage({ text });
        }}
        onStop={() => void chat.stop()}
      />
    </section>
  );
}

interface MessagesProps {
  messages: UIMessage[];
  busy: boolean;
  clock: ReturnType<typeof useToolClock>;
  onApproval: (approvalId: string, approved: boolean) => void;
  onRegenerate: () => void;
}

function Messages({ messages, busy, clock, onApproval, onRegenerate }: MessagesProps) {
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
      {messages.map((message, index) => (
        <MessageView
          key={message.id}
          message={message}
          clock={clock}
          onApproval={onApproval}
          onRegenerate={index === lastAssistant && !busy ? onRegenerate : undefined}
        />
      ))}
      <div ref={end} />
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
  onSend: (text: string) => void;
  onStop: () => void;
}

function Composer({ busy, connected, onSend, onStop }: ComposerProps) {
  const [draft, setDraft] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  // Focus the box once it can be used, unless the user is already elsewhere on the page.
  useEffect(() => {
    if (connected && (document.activeElement === null || document.activeElement === document.body)) input.current?.focus();
  }, [connected]);

  const send = () => {
    const text = draft.trim();
    if (!text || busy || !connected) return;
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
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends; Shift+Enter starts a new line.
      </span>
      {busy ? (
        <button type="button" className="stop" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={!draft.trim() || !connected}>
          Send
        </button>
      )}
    </form>
  );
}
