import { useEffect, useState } from "react";
import type { ExtensionView } from "../../shared/extension-views";
import { errorText } from "../../shared/error-text";
import type { SettingsSectionProps } from "./index";

const STATE_TEXT: Record<ExtensionView["state"], string> = {
  enabled: "On",
  disabled: "Off",
  changed: "Off — its files changed since you enabled it",
  invalid: "Cannot be enabled"
};

/**
 * Settings → Extensions: the bundled extensions and those the agent wrote
 * into /workspace/.agents/extensions. Only here can one be turned on, after
 * its files and permissions were shown; enabling is bound to the digest of
 * exactly those files, so any later change turns it off until reviewed again.
 */
export function ExtensionsSection({ directory, link }: SettingsSectionProps) {
  const version = directory.state?.workspaceVersion ?? 0;
  const [extensions, setExtensions] = useState<ExtensionView[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (link !== "open") return;
    let cancelled = false;
    directory
      .call("listExtensions", [])
      .then((list) => !cancelled && setExtensions(list))
      .catch((error: unknown) => !cancelled && setProblem(errorText(error)));
    return () => {
      cancelled = true;
    };
    // Re-read when the workspace may have changed (the agent may have written or edited one).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [link, version]);

  const act = async (change: () => Promise<ExtensionView[]>) => {
    try {
      setExtensions(await change());
      setProblem(null);
    } catch (error) {
      setProblem(errorText(error));
    }
  };

  if (!extensions)
    return problem ? (
      <p className="problem" role="alert">
        {problem}
      </p>
    ) : (
      <p className="muted">Loading…</p>
    );
  return (
    <div className="extensions-settings">
      <p className="muted">
        Extensions add tools that run in their own sandbox. One without network runs like tier 1; one that declares hosts reaches only those, asked once per
        host (tier 3). The agent may write one into /workspace/.agents/extensions/&lt;name&gt;/, but only you can turn it on.
      </p>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <ul className="extension-list">
        {extensions.map((ext) => (
          <li key={ext.name} className="extension" aria-label={`Extension ${ext.name}`}>
            <div className="extension-head">
              <strong>{ext.name}</strong> <span className="muted">{ext.version}</span>{" "}
              <span className="muted">{ext.source === "bundled" ? "bundled with Steward" : `written in ${ext.folder}`}</span>
              <span className={`extension-state extension-${ext.state}`}>{STATE_TEXT[ext.state]}</span>
            </div>
            {ext.description && <p>{ext.description}</p>}
            {ext.problem && <p className="problem">{ext.problem}</p>}
            <dl className="extension-permissions">
              <dt>Network</dt>
              <dd>{ext.permissions.network.length ? ext.permissions.network.join(", ") : "none"}</dd>
              <dt>Workspace</dt>
              <dd>{ext.permissions.workspace}</dd>
              <dt>Tier</dt>
              <dd>{ext.tier}</dd>
              <dt>Tools</dt>
              <dd>{ext.tools.map((t) => t.toolName).join(", ") || "none"}</dd>
            </dl>
            <details>
              <summary>Review its files ({ext.files.length})</summary>
              {ext.files.map((file) => (
                <div key={file.path}>
                  <h4 className="extension-file">{file.path}</h4>
                  <pre className="extension-code">{file.content}</pre>
                </div>
              ))}
              <p className="muted">Digest {ext.digest.slice(0, 16)}…</p>
            </details>
            {ext.state === "enabled" ? (
              <button type="button" className="small" onClick={() => void act(() => directory.call("disableExtension", [ext.name]))}>
                Disable {ext.name}
              </button>
            ) : (
              ext.state !== "invalid" && (
                <button type="button" className="small" onClick={() => void act(() => directory.call("enableExtension", [ext.name, ext.digest]))}>
                  Enable {ext.name}
                </button>
              )
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
