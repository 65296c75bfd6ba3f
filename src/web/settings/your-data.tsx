import { useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../../shared/error-text";
import type { SettingsSectionProps } from "./index";

const CONFIRMATION = "delete my agent";

/**
 * Export everything as one zip (GET /api/export: the signed-in owner's own
 * agent only), and delete the agent after a typed confirmation.
 */
export function YourDataSection({ directory, link }: SettingsSectionProps) {
  const [typed, setTyped] = useState("");
  const [state, setState] = useState<{ kind: "idle" | "deleting" } | { kind: "deleted"; sandbox: string } | { kind: "failed"; problem: string }>({
    kind: "idle"
  });

  const remove = async (event: FormEvent) => {
    event.preventDefault();
    if (typed.trim().toLowerCase() !== CONFIRMATION) return;
    setState({ kind: "deleting" });
    try {
      const result = await directory.call("deleteAgent", [typed]);
      setState({ kind: "deleted", sandbox: result.sandbox });
    } catch (error) {
      setState({ kind: "failed", problem: errorText(error) });
    }
  };

  return (
    <div className="your-data">
      <p>
        <a className="button" href="/api/export" download>
          Export everything (.zip)
        </a>{" "}
        <span className="muted">All chats with their messages, every workspace file, tasks and their runs, the audit log, settings and email records.</span>
      </p>
      <form onSubmit={(e) => void remove(e)} className="delete-agent">
        <p>
          <strong>Delete my agent.</strong> Removes every chat, file, task, setting, notification subscription and the agent's email address and sandbox. This
          cannot be undone; export first if you want a copy.
        </p>
        <label htmlFor="delete-confirmation">Type “{CONFIRMATION}” to confirm</label>{" "}
        <input
          id="delete-confirmation"
          value={typed}
          autoComplete="off"
          onChange={(e) => setTyped(e.target.value)}
          disabled={state.kind === "deleting" || state.kind === "deleted"}
        />{" "}
        <button
          type="submit"
          className="danger"
          disabled={link !== "open" || typed.trim().toLowerCase() !== CONFIRMATION || state.kind === "deleting" || state.kind === "deleted"}
        >
          Delete my agent
        </button>
      </form>
      {state.kind === "deleted" && (
        <p role="status">
          Your agent was deleted ({state.sandbox}). <a href="/">Start again</a>
        </p>
      )}
      {state.kind === "failed" && (
        <p className="problem" role="alert">
          {state.problem}
        </p>
      )}
    </div>
  );
}
