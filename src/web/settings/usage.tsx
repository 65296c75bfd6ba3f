import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";

/** Days the table covers (the Assistant keeps 90). */
const DAYS = 14;

/** Tokens by day and model, from the usage rows each turn records (src/model/usage.ts). */
export function UsageSection({ directory, link }: SettingsSectionProps) {
  const { value: usage, problem } = useLoaded(link, () => directory.call("getUsage", [DAYS]));
  if (problem)
    return (
      <p className="problem" role="alert">
        {problem}
      </p>
    );
  if (!usage) return <p className="muted">Loading…</p>;
  const number = new Intl.NumberFormat();
  return (
    <>
      <dl className="facts">
        <dt>Today (UTC)</dt>
        <dd>
          {number.format(usage.today)} tokens
          {usage.limitPerDay !== null && ` of ${number.format(usage.limitPerDay)} a day (set by the deployer; resets at 00:00 UTC)`}
        </dd>
      </dl>
      {usage.days.length === 0 ? (
        <p className="muted">No model calls in the last {DAYS} days.</p>
      ) : (
        <table className="usage-table">
          <caption className="muted">Last {DAYS} days</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Model</th>
              <th scope="col">Turns</th>
              <th scope="col">Input tokens</th>
              <th scope="col">Output tokens</th>
            </tr>
          </thead>
          <tbody>
            {usage.days.map((row) => (
              <tr key={`${row.day} ${row.model}`}>
                <td>{row.day}</td>
                <td>
                  <code>{row.model}</code>
                </td>
                <td>{number.format(row.turns)}</td>
                <td>{number.format(row.inputTokens)}</td>
                <td>{number.format(row.outputTokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
