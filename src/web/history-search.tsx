import { useState } from "react";
import type { FormEvent } from "react";
import type { Directory } from "./directory";
import type { HistoryHit } from "../shared/memory";
import type { Link } from "./status";
import { errorText } from "../shared/error-text";
import { Problem } from "./problem";

interface HistorySearchProps {
  directory: Directory;
  link: Link;
  /** Opens the session with the hit and shows that message. */
  onOpen: (session: string, messageId: string) => void;
}

/** One search box over every session (chats, email threads, calls, tasks); a hit opens its session at the message. */
export function HistorySearch({ directory, link, onOpen }: HistorySearchProps) {
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<HistoryHit[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const search = async (event: FormEvent) => {
    event.preventDefault();
    const text = query.trim();
    if (!text) return;
    try {
      setHits(await directory.call("searchHistory", [text, 20]));
      setProblem(null);
    } catch (error) {
      setProblem(errorText(error));
    }
  };

  return (
    <section className="history-search" aria-label="Search all sessions">
      <form role="search" onSubmit={(e) => void search(e)}>
        <label htmlFor="history-search-input" className="visually-hidden">
          Search all sessions
        </label>
        <input
          id="history-search-input"
          type="search"
          value={query}
          placeholder="Search all sessions"
          onChange={(e) => {
            setQuery(e.target.value);
            if (!e.target.value) setHits(null);
          }}
          disabled={link !== "open"}
        />
      </form>
      <Problem text={problem} />
      {hits && (
        <div className="search-results" role="region" aria-label="Search results">
          {hits.length === 0 ? (
            <p className="muted">No matches.</p>
          ) : (
            <ul>
              {hits.map((hit) => (
                <li key={`${hit.session}-${hit.messageId}`}>
                  <button type="button" className="search-hit" onClick={() => onOpen(hit.session, hit.messageId)}>
                    <span className="search-hit-title">
                      {hit.title}
                      {hit.channel !== "web" && <span className="muted"> · {hit.channel}</span>}
                    </span>
                    <span className="search-hit-snippet">
                      <Snippet text={hit.snippet} />
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

/** The index marks hits with « »; shown as <mark>, everything else as plain text. */
function Snippet({ text }: { text: string }) {
  const pieces = text.split(/(«[^»]*»)/);
  return (
    <>{pieces.map((piece, i) => (piece.startsWith("«") && piece.endsWith("»") ? <mark key={i}>{piece.slice(1, -1)}</mark> : <span key={i}>{piece}</span>))}</>
  );
}
