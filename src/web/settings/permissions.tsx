import { TIERS } from "../../shared/tiers";
import type { Permission } from "../../shared/tiers";
import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";
import { Problem } from "../problem";

const PERMISSIONS: Array<{ value: Permission; label: string }> = [
  { value: "allow", label: "Allow" },
  { value: "ask", label: "Ask me" },
  { value: "deny", label: "Deny" }
];

/** One row per tier of the execution ladder, each with allow / ask / deny. */
export function PermissionsSection({ directory, link }: SettingsSectionProps) {
  const { value: tiers, problem, run } = useLoaded(link, () => directory.call("getTiers", []));
  return (
    <>
      <p className="muted">What the agent may run without asking. “Ask me” pauses each call of that tier until you approve it in the chat.</p>
      <Problem text={problem} />
      {tiers ? (
        <table className="tiers">
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">Does</th>
              <th scope="col">Permission</th>
            </tr>
          </thead>
          <tbody>
            {TIERS.map((spec) => (
              <tr key={spec.tier} data-tier={spec.tier}>
                <th scope="row">
                  <span className={`tier-badge tier-${spec.tier}`}>
                    {spec.tier} · {spec.name}
                  </span>
                  {!spec.available && <span className="muted"> (not yet available)</span>}
                </th>
                <td>{spec.does}</td>
                <td>
                  <label className="visually-hidden" htmlFor={`tier-${spec.tier}`}>
                    Permission for tier {spec.tier} ({spec.name})
                  </label>
                  <select
                    id={`tier-${spec.tier}`}
                    value={tiers[spec.tier]}
                    onChange={(e) => void run(() => directory.call("setTierPermission", [spec.tier, e.target.value]))}
                  >
                    {PERMISSIONS.map((p) => (
                      <option key={p.value} value={p.value}>
                        {p.label}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        !problem && <p className="muted">Loading…</p>
      )}
    </>
  );
}
