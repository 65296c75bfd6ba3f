import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";

/** The zone schedules and times are shown in; suggests the browser's own. */
export function TimeZoneSection({ directory, link }: SettingsSectionProps) {
  const { value: settings, problem, run } = useLoaded(link, () => directory.call("getSettings", []));
  const [draft, setDraft] = useState("");
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings) setDraft(settings.timeZone);
  }, [settings]);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await run(() => directory.call("setTimeZone", [draft]));
    setSaved(true);
  };

  return (
    <form className="time-zone" onSubmit={(e) => void save(e)}>
      <label htmlFor="time-zone-input">IANA time zone</label>
      <input id="time-zone-input" list="time-zones" value={draft} onChange={(e) => setDraft(e.target.value)} disabled={!settings} />
      <datalist id="time-zones">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <button type="submit" disabled={!settings || draft === settings.timeZone}>
        Save
      </button>
      {browserZone && settings && browserZone !== settings.timeZone && (
        <button type="button" className="small" onClick={() => setDraft(browserZone)}>
          Use this browser's ({browserZone})
        </button>
      )}
      {problem ? (
        <p className="problem" role="alert">
          {problem}
        </p>
      ) : (
        saved &&
        settings && (
          <p className="muted" role="status">
            Saved: {settings.timeZone}
          </p>
        )
      )}
    </form>
  );
}
