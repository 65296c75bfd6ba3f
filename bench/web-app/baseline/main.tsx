// The bench's baseline: the least a page needs to chat with a Steward session
// through `useAgentChat` — find or create a session on /agent, open its chat,
// list messages as plain text, one textarea. No markdown, cards or views.
import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { useAgent } from "agents/react";
import { useAgentChat } from "agents/chat/react";

function App() {
  const directory = useAgent({ agent: "Assistant", basePath: "agent" });
  const [session, setSession] = useState<string | null>(null);
  useEffect(() => {
    void directory.ready
      .then(() => directory.call("listSessions", []))
      .then(async (list) => {
        const first = (list as Array<{ id: string }>)[0];
        setSession(first ? first.id : ((await directory.call("createSession", [{}])) as { id: string }).id);
      });
  }, [directory]);
  return session ? <Chat session={session} /> : <p>Connecting…</p>;
}

function Chat({ session }: { session: string }) {
  const [open, setOpen] = useState(false);
  const agent = useAgent({ agent: "Assistant", basePath: "agent", sub: [{ agent: "Conversation", name: session }], onOpen: () => setOpen(true) });
  const chat = useAgentChat({ agent });
  const [draft, setDraft] = useState("");
  return (
    <main>
      {chat.messages.map((m) => (
        <p key={m.id}>
          <b>{m.role}:</b> {m.parts.map((p) => (p.type === "text" ? p.text : "")).join("")}
        </p>
      ))}
      <textarea
        aria-label="Message"
        data-ready={open ? "true" : undefined}
        disabled={!open}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            void chat.sendMessage({ text: draft });
            setDraft("");
          }
        }}
      />
    </main>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
