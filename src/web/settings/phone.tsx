import { useState } from "react";
import type { FormEvent } from "react";
import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";
import { Problem } from "../problem";

/**
 * The numbers that may call the agent through Twilio (src/channels/phone).
 * A caller ID can be spoofed, so a phone call is gated like email: anything
 * that changes or sends something waits for the approval card here.
 */
export function PhoneSection({ directory, link }: SettingsSectionProps) {
  const { value: numbers, problem, run } = useLoaded(link, () => directory.call("getPhoneNumbers", []));
  const [draft, setDraft] = useState("");

  const add = (event: FormEvent) => {
    event.preventDefault();
    const number = draft.trim();
    if (!number) return;
    void run(async () => {
      const next = await directory.call("addOwnerPhoneNumber", [number]);
      setDraft("");
      return next;
    });
  };

  return (
    <div className="phone-settings">
      <p className="muted">
        Calls from these numbers reach your agent (point your Twilio number&apos;s voice webhook at <code>/phone/incoming</code>). A caller ID is not proof of
        who calls: on the phone, anything that changes or sends something waits for your approval here.
      </p>
      <Problem text={problem} />
      {numbers === null ? (
        <p className="muted">Loading…</p>
      ) : numbers.length === 0 ? (
        <p className="muted">No numbers yet.</p>
      ) : (
        <ul aria-label="Your phone numbers">
          {numbers.map((number) => (
            <li key={number}>
              {number}{" "}
              <button type="button" onClick={() => void run(() => directory.call("removeOwnerPhoneNumber", [number]))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add}>
        <label htmlFor="phone-number">Add a number (international form)</label>{" "}
        <input id="phone-number" type="tel" placeholder="+14155550100" value={draft} onChange={(e) => setDraft(e.target.value)} />{" "}
        <button type="submit" disabled={link !== "open"}>
          Add
        </button>
      </form>
    </div>
  );
}
