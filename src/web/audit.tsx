import { useEffect, useState } from "react";
import type { SessionSummary } from "../shared/views";
import type { AuditFilter, AuditRow, Outcome } from "../shared/views";
import { TIERS } from "../shared/tiers";
import type { Tier } from "../shared/tiers";
import type { Directory } from "./directory";
import { errorText } from "../shared/error-text";
import type { Link } from "./status";
import { formatDuration } from "./tool-clock";
import { Problem } from "./problem";

const OUTCOMES: Outcome[] = ["ok", "error", "blocked", "interrupted"];
const LIMIT = 200;

/** Every tool execution, newest first, filterable by tier and outcome. Live: the Assistant bumps workspaceVersion after each audited call. */
export function AuditView({ directory, link, sessions }: { directory: Directory; link: Link; sessions: SessionSummary[] }) {
  const [tier, setTier] = useState<"all" | Tier>("all");
  const [outcome, setOutcome] = useState<"all" | Outcome>("all");
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const version = directory.state?.workspaceVersion ?? 0;

  useEffect(() => {
    if (link !== "open") return;
    let cancelled = false;
    const filter: AuditFilter = {};
    if (tier !== "all") filter.tier = tier;
    if (outcome !== "all") filter.outcome = outcome;
    directory
      .call("getAudit", [LIMIT, filter])
      .then((result) => {
        if (cancelled) return;
        setRows(result);
        setProblem(null);
      })
      .catch((error: unknown) => !cancelled && setProblem(`Could not read the audit log: ${errorText(error)}`));
    return () => {
      cancelled = true;
    };
  }, [directory, link, tier, outcome, version]);

  const titles = new Map(sessions.map((s) => [s.id, s.title]));
  return (
    <section className="audit" aria-label="Audit log">
      <div className="audit-head">
        <h2>Audit log</h2>
        <p className="muted">Every tool the agent ran, newest first. Inputs are kept as a digest, not verbatim.</p>
        <div className="filters">
          <label>
            Tier{" "}
            <select value={String(tier)} onChange={(e) => setTier(e.target.value === "all" ? "all" : (Number(e.target.value) as Tier))}>
              <option value="all">All tiers</option>
              {TIERS.map((t) => (
                <option key={t.tier} value={t.tier}>
                  {t.tier} · {t.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Outcome{" "}
            <select value={outcome} onChange={(e) => setOutcome(e.target.value as "all" | Outcome)}>
              <option value="all">All outcomes</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      <Problem text={problem} />
      {rows === null ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : rows.length === 0 ? (
        <p className="muted">No tool executions{tier !== "all" || outcome !== "all" ? " match these filters" : " yet"}.</p>
      ) : (
        <ol className="timeline" aria-label="Tool executions">
          {rows.map((row) => (
            <li key={row.id} className="audit-row" data-outcome={row.outcome} data-tier={row.tier ?? ""}>
              <time dateTime={new Date(row.at).toISOString()}>{new Date(row.at).toLocaleString()}</time>
              <span className={`tier-badge tier-${row.tier ?? "unknown"}`}>{row.tier === null ? "unknown tool" : `tier ${row.tier}`}</span>
              <code className="tool-name">{row.tool}</code>
              <span className={`outcome outcome-${row.outcome}`}>{row.outcome}</span>
              {row.approved !== null && <span className="muted">{row.approved ? "approved" : "rejected"}</span>}
              <span className="muted">{formatDuration(row.durationMs)}</span>
              <span className="muted">{row.bytesOut} B out</span>
              <span className="muted audit-session" title={row.session}>
                {titles.get(row.session) ?? "deleted chat"}
              </span>
              {row.detail && <p className="audit-detail">{row.detail}</p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
