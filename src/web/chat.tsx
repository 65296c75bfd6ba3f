import { useEffect, useRef, useState } from "react";
import type { FormEvent, KeyboardEvent } from "react";
import { useAgent } from "agents/react";
import { useAgentChat } from "@cloudflare/think/react";
import type { UIMessage } from "ai";
import type { SessionSummary } from "../assistant/sessions";
import { MessageView } from "./message";
import type { Link } from "./status";

interface ChatPaneProps {
  session: SessionSummary;
  /** The session-list connection, shown in the status line too. */
  directoryLink: Link;
}

/** One session's chat: its own WebSocket to the Conversation facet. */
export function ChatPane({ session, directoryLink }: ChatPaneProps) {
  const [link, setLink] = useState<Link>("connecting");
  const agent = useAgent({
    agent: "Assistant",
    basePath: "agent",
    sub: [{ agent: "Conversation", name: session.id }],
    onOpen: () => setLink("open"),
    onClose: () => setLink("closed")
  });
  const chat = useAgentChat({ agent });
  const busy = chat.status === "submitted" || chat.status === "streaming";

  return (
    <section className="chat" aria-label={`Chat: ${session.title}`}>
      <Messages
        messages={chat.messages}
        onApproval={(id, approved) => void chat.addToolApprovalResponse({ id, approved })}
      />
      <StatusLine
        link={link}
        directoryLink={directoryLink}
        status={chat.status}
        error={chat.connectionError?.reason || chat.error?.message}
      />
      <Composer
        busy={busy}
        onSend={(text) => void chat.sendMessage({ text })}
        onStop={() => void chat.stop()}
      />
    </section>
  );
}

interface MessagesProps {
  messages: UIMessage[];
  onApproval: (approvalId: string, approved: boolean) => void;
}

function Messages({ messages, onApproval }: MessagesProps) {
  const end = useRef<HTMLDivElement>(null);
  const last = messages.at(-1);
  const lastSize = last ? JSON.stringify(last.parts).length : 0;
  // Follow the conversation as it streams.
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [messages.length, lastSize]);

  return (
    <div className="messages" role="log" aria-label="Messages" aria-live="polite">
      {messages.length === 0 && (
        <p className="muted empty">
          No messages yet. Try <code>/help</code>, <code>/run 6*7</code> or <code>/write notes/todo.md buy milk</code>.
        </p>
      )}
      {messages.map((message) => (
        <MessageView key={message.id} message={message} onApproval={onApproval} />
      ))}
      <div ref={end} />
    </div>
  );
}

interface StatusLineProps {
  link: Link;
  directoryLink: Link;
  status: "submitted" | "streaming" | "ready" | "error";
  error: string | undefined;
}

function StatusLine({ link, directoryLink, status, error }: StatusLineProps) {
  let text: string;
  if (link === "connecting") text = "Connecting…";
  else if (link === "closed") text = `Disconnected, reconnecting…${error ? ` (${error})` : ""}`;
  else if (status === "submitted") text = "Connected · sending…";
  else if (status === "streaming") text = "Connected · replying…";
  else if (status === "error") text = `Connected · error: ${error ?? "the last turn failed"}`;
  else text = "Connected · ready";
  if (link === "open" && directoryLink === "closed") text += " · session list offline";
  return (
    <p className="status" role="status" data-link={link} data-chat={status}>
      <span className={`dot dot-${link}`} aria-hidden="true" />
      {text}
    </p>
  );
}

interface ComposerProps {
  busy: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

function Composer({ busy, onSend, onStop }: ComposerProps) {
  const [draft, setDraft] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);

  const send = () => {
    const text = draft.trim();
    if (!text || busy) return;
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
        placeholder="Message, or /help for commands"
        aria-describedby="composer-hint"
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends; Shift+Enter starts a new line.
      </span>
      {busy ? (
        <button type="button" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" disabled={!draft.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
