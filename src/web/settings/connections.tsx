import { useState } from "react";
import type { FormEvent } from "react";
import type { ConnectionView } from "../../shared/extension-views";
import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";

/**
 * Settings → Connections: remote MCP servers whose tools this user's
 * sessions are offered (as mcp_<name>_<tool>, tier 3, asked once per
 * server). A server that asks for OAuth shows a sign-in link; the sign-in
 * comes back to Steward's own /api/mcp/callback.
 */
export function ConnectionsSection({ directory, link }: SettingsSectionProps) {
  const { value: connections, problem, run } = useLoaded(link, () => directory.call("listConnections", []));
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await run(async () => {
      await directory.call("addConnection", [name.trim(), url.trim()]);
      setName("");
      setUrl("");
      return directory.call("listConnections", []);
    });
    setBusy(false);
  };

  return (
    <div className="connections-settings">
      <p className="muted">Tokens stay in your agent's own storage; the model only sees tool names, descriptions and results.</p>
      <form className="connection-form" onSubmit={(e) => void add(e)}>
        <label htmlFor="connection-name">Name</label>
        <input id="connection-name" value={name} placeholder="github" onChange={(e) => setName(e.target.value)} />
        <label htmlFor="connection-url">Server URL</label>
        <input id="connection-url" value={url} placeholder="https://example.com/mcp" onChange={(e) => setUrl(e.target.value)} />
        <button type="submit" disabled={busy || !name.trim() || !url.trim()}>
          {busy ? "Connecting…" : "Add server"}
        </button>
      </form>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {!connections ? (
        <p className="muted">Loading…</p>
      ) : connections.length === 0 ? (
        <p className="muted">No MCP servers connected.</p>
      ) : (
        <ul className="connection-list">
          {connections.map((c: ConnectionView) => (
            <li key={c.id} className="connection" aria-label={`Connection ${c.id}`}>
              <div>
                <strong>{c.id}</strong> <code>{c.url}</code> <span className="muted">{c.state}</span>
              </div>
              {c.error && <p className="problem">{c.error}</p>}
              {c.authUrl && (
                <p>
                  This server asks you to sign in:{" "}
                  <a href={c.authUrl} target="_blank" rel="noreferrer noopener">
                    Sign in at {new URL(c.authUrl).host}
                  </a>
                </p>
              )}
              <ul className="connection-tools" aria-label={`Tools of ${c.id}`}>
                {c.tools.map((t) => (
                  <li key={t.toolName}>
                    <code>{t.toolName}</code> <span className="muted">{t.description}</span>
                  </li>
                ))}
              </ul>
              <label>
                <input type="checkbox" checked={c.trusted} onChange={(e) => void run(() => directory.call("setConnectionTrusted", [c.id, e.target.checked]))} />{" "}
                Run its tools without asking (in web chats; email, schedules and MCP clients still ask)
              </label>{" "}
              <button type="button" className="small" onClick={() => void run(() => directory.call("removeConnection", [c.id]))}>
                Disconnect {c.id}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
