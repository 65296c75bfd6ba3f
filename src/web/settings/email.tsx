import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import type { EmailSettings } from "../../shared/views";
import type { HeldMail, InboundRecord } from "../../shared/views";
import type { Directory } from "../directory";
import { errorText } from "../../shared/error-text";
import type { SettingsSectionProps } from "./index";
import { useLoaded } from "./use-call";
import { Problem } from "../problem";
import { RepliesAwaitingApproval } from "./email-replies";

/**
 * The agent's inbox: its address, who may write to it, who it may write to,
 * the hourly send limit, and mail held for review. Each part shows its own
 * refusal in words next to it; a refused change changes nothing.
 */
export function EmailSection({ directory, link }: SettingsSectionProps) {
  const { value: settings, problem } = useLoaded(link, () => directory.call("getEmailSettings", []));
  if (!settings) {
    return problem ? (
      <p className="problem" role="alert">
        Could not read the email settings: {problem}
      </p>
    ) : (
      <p className="muted">Loading…</p>
    );
  }
  return (
    <div className="email-settings">
      <AgentAddress address={settings.address} />
      <OwnerAddresses
        addresses={settings.ownerAddresses}
        onAdd={(address) => directory.call("addOwnerEmailAddress", [address])}
        onRemove={(address) => directory.call("removeOwnerEmailAddress", [address])}
      />
      <ListEditor
        id="email-senders"
        label="Also accept mail from"
        help="One address or @domain per line. Their mail is worked on like yours; every effect still waits for your approval."
        entries={settings.allowedSenders}
        pick={(next) => next.allowedSenders}
        save={(entries) => directory.call("setEmailAllowedSenders", [entries])}
      />
      <UnknownSenders value={settings.unknownSenders} save={(policy) => directory.call("setEmailUnknownSenders", [policy])} />
      <ListEditor
        id="email-recipients"
        label="The agent may mail without asking"
        help="One address per line (your own addresses always). Anyone else waits for your approval."
        entries={settings.allowedRecipients}
        pick={(next) => next.allowedRecipients}
        save={(entries) => directory.call("setEmailAllowedRecipients", [entries])}
      />
      <SendLimit value={settings.sendLimitPerHour} save={(n) => directory.call("setEmailSendLimit", [n])} />
      <RepliesAwaitingApproval directory={directory} />
      <HeldMailList directory={directory} />
      <MailLog directory={directory} />
    </div>
  );
}

function AgentAddress({ address }: { address: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(address);
      setCopied("Copied.");
    } catch {
      setCopied("Could not copy here; select the address and copy it.");
    }
  };
  return (
    <div className="email-part">
      <p className="muted">Mail to this address reaches your agent; each thread becomes a chat.</p>
      <div className="email-row">
        <code className="email-address" aria-label="Your agent's address">
          {address}
        </code>
        <button type="button" className="small" onClick={() => void copy()}>
          Copy address
        </button>
        {copied && (
          <span className="muted" role="status">
            {copied}
          </span>
        )}
      </div>
    </div>
  );
}

function OwnerAddresses({
  addresses,
  onAdd,
  onRemove
}: {
  addresses: string[];
  onAdd: (address: string) => Promise<EmailSettings>;
  onRemove: (address: string) => Promise<EmailSettings>;
}) {
  const [list, setList] = useState(addresses);
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => setList(addresses), [addresses]);

  const change = async (run: () => Promise<EmailSettings>, done: string) => {
    setStatus(null);
    try {
      const next = await run();
      setList(next.ownerAddresses);
      setProblem(null);
      setStatus(done);
      return true;
    } catch (error) {
      setProblem(errorText(error));
      return false;
    }
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await change(() => onAdd(draft.trim()), `Added ${draft.trim()}.`)) setDraft("");
  };

  return (
    <form className="email-part" noValidate onSubmit={(e) => void add(e)} aria-labelledby="email-owner-heading">
      <h4 id="email-owner-heading">Your addresses</h4>
      <p className="muted">Mail from these may command your agent. Your sign-in address is added for you.</p>
      {list.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="email-list" aria-label="Your addresses">
          {list.map((address) => (
            <li key={address}>
              {address}{" "}
              <button
                type="button"
                className="small"
                aria-label={`Remove ${address}`}
                onClick={() => void change(() => onRemove(address), `Removed ${address}.`)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="email-row">
        <label htmlFor="email-owner-input">Add an address of yours</label>
        <input id="email-owner-input" type="email" autoComplete="email" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit" disabled={!draft.trim()}>
          Add
        </button>
      </div>
      <Outcome problem={problem} status={status} />
    </form>
  );
}

function ListEditor({
  id,
  label,
  help,
  entries,
  pick,
  save
}: {
  id: string;
  label: string;
  help: string;
  entries: string[];
  pick: (settings: EmailSettings) => string[];
  save: (entries: string[]) => Promise<EmailSettings>;
}) {
  const [stored, setStored] = useState(entries);
  const [draft, setDraft] = useState(entries.join("\n"));
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(null);
    try {
      const lines = draft
        .split(/[\n,]/)
        .map((l) => l.trim())
        .filter(Boolean);
      const next = await save(lines);
      const kept = pick(next);
      setStored(kept);
      setDraft(kept.join("\n"));
      setProblem(null);
      setStatus(kept.length === 0 ? "Saved: nobody else." : `Saved: ${kept.length} ${kept.length === 1 ? "entry" : "entries"}.`);
    } catch (error) {
      setProblem(errorText(error));
    }
  };
  return (
    <form className="email-part" onSubmit={(e) => void submit(e)}>
      <label htmlFor={id}>{label}</label>
      <span id={`${id}-help`} className="muted">
        {help}
      </span>
      <textarea id={id} rows={3} value={draft} aria-describedby={`${id}-help`} onChange={(e) => setDraft(e.target.value)} />
      <div className="email-row">
        <button type="submit" disabled={draft === stored.join("\n")}>
          Save
        </button>
      </div>
      <Outcome problem={problem} status={status} />
    </form>
  );
}

function UnknownSenders({ value, save }: { value: "refuse" | "hold"; save: (policy: string) => Promise<EmailSettings> }) {
  const [current, setCurrent] = useState(value);
  const [problem, setProblem] = useState<string | null>(null);
  const choose = async (policy: string) => {
    try {
      setCurrent((await save(policy)).unknownSenders);
      setProblem(null);
    } catch (error) {
      setProblem(errorText(error));
    }
  };
  return (
    <div className="email-part">
      <div className="email-row">
        <label htmlFor="email-unknown">Mail from anyone else</label>
        <select id="email-unknown" value={current} onChange={(e) => void choose(e.target.value)}>
          <option value="refuse">Refuse it</option>
          <option value="hold">Hold it for my review</option>
        </select>
      </div>
      <Outcome problem={problem} status={null} />
    </div>
  );
}

function SendLimit({ value, save }: { value: number; save: (perHour: number) => Promise<EmailSettings> }) {
  const [stored, setStored] = useState(value);
  const [draft, setDraft] = useState(String(value));
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(null);
    const n = Number(draft);
    if (draft.trim() === "" || !Number.isInteger(n)) return setProblem("The send limit must be a whole number of emails per hour.");
    try {
      const next = await save(n);
      setStored(next.sendLimitPerHour);
      setDraft(String(next.sendLimitPerHour));
      setProblem(null);
      setStatus(`Saved: at most ${next.sendLimitPerHour} per hour.`);
    } catch (error) {
      setProblem(errorText(error));
    }
  };
  return (
    <form className="email-part" noValidate onSubmit={(e) => void submit(e)}>
      <div className="email-row">
        <label htmlFor="email-limit">Emails the agent may send per hour</label>
        <input
          id="email-limit"
          type="number"
          min={0}
          max={1000}
          step={1}
          inputMode="numeric"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          className="email-limit"
        />
        <button type="submit" disabled={draft === String(stored) && !problem}>
          Save
        </button>
      </div>
      <Outcome problem={problem} status={status} />
    </form>
  );
}

function HeldMailList({ directory }: { directory: Directory }) {
  const [held, setHeld] = useState<HeldMail[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const load = () =>
    directory
      .call("listHeldEmails", [])
      .then((list) => setHeld(list))
      .catch((error: unknown) => setProblem(`Could not list held mail: ${errorText(error)}`));
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const act = async (mail: HeldMail, action: "release" | "discard") => {
    setStatus(null);
    try {
      if (action === "release") await directory.call("releaseHeldEmail", [mail.id]);
      else await directory.call("discardHeldEmail", [mail.id]);
      setProblem(null);
      setStatus(action === "release" ? `Released “${mail.subject}”: it is now a chat.` : `Discarded “${mail.subject}”.`);
    } catch (error) {
      setProblem(errorText(error));
    }
    await load();
  };
  return (
    <div className="email-part">
      <h4 id="email-held-heading">Held for review</h4>
      {held === null ? (
        !problem && <p className="muted">Loading…</p>
      ) : held.length === 0 ? (
        <p className="muted">No mail is waiting.</p>
      ) : (
        <ul className="email-list" aria-labelledby="email-held-heading">
          {held.map((mail) => (
            <li key={mail.id}>
              <strong>{mail.subject || "(no subject)"}</strong> from {mail.sender} <span className="muted">{new Date(mail.receivedAt).toLocaleString()}</span>{" "}
              <button type="button" className="small" onClick={() => void act(mail, "release")}>
                Release
              </button>{" "}
              <button type="button" className="small danger" onClick={() => void act(mail, "discard")}>
                Discard
              </button>
            </li>
          ))}
        </ul>
      )}
      <Outcome problem={problem} status={status} />
    </div>
  );
}

function MailLog({ directory }: { directory: Directory }) {
  const [log, setLog] = useState<InboundRecord[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const onToggle = (open: boolean) => {
    if (!open) return;
    directory
      .call("getEmailLog", [20])
      .then((rows) => {
        setLog(rows);
        setProblem(null);
      })
      .catch((error: unknown) => setProblem(`Could not read the mail log: ${errorText(error)}`));
  };
  return (
    <details className="email-part" onToggle={(e) => onToggle(e.currentTarget.open)}>
      <summary>Recent mail</summary>
      <Problem text={problem} />
      {log && log.length === 0 && <p className="muted">No mail yet.</p>}
      {log && log.length > 0 && (
        <ol className="email-list">
          {log.map((row) => (
            <li key={`${row.direction}-${row.messageId}`}>
              <span className="muted">{new Date(row.at).toLocaleString()}</span> {row.direction === "in" ? "in" : "out"} · {row.sender}: “{row.subject}” —{" "}
              {row.status}
              {row.detail ? `: ${row.detail}` : ""}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}

function Outcome({ problem, status }: { problem: string | null; status: string | null }) {
  if (problem)
    return (
      <p className="problem" role="alert">
        {problem}
      </p>
    );
  return status ? (
    <p className="muted" role="status">
      {status}
    </p>
  ) : null;
}
