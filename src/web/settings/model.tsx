import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";

export function ModelSection({ directory, link }: SettingsSectionProps) {
  const { value: status, problem } = useLoaded(link, () => directory.call("getModelStatus", []));
  if (problem)
    return (
      <p className="problem" role="alert">
        {problem}
      </p>
    );
  if (!status) return <p className="muted">Loading…</p>;
  return (
    <dl className="facts" data-configured={status.configured}>
      <dt>In use</dt>
      <dd>
        {status.configured ? (
          <>
            <code>{status.model}</code> via <code>{status.provider}</code>
          </>
        ) : (
          "No language model is configured: the agent answers slash commands only."
        )}
      </dd>
      {status.error && (
        <>
          <dt>Problem</dt>
          <dd className="problem">{status.error}</dd>
        </>
      )}
      {!status.configured && (
        <>
          <dt>To configure</dt>
          <dd>
            Set <code>MODEL_PROVIDER</code> and <code>MODEL</code> (and the provider's settings) in <code>.dev.vars</code> or as Worker secrets; see the
            README's Models section.
          </dd>
        </>
      )}
    </dl>
  );
}
