import { useState } from "react";
import type { TaskInput, TaskView } from "../../shared/views";
import { errorText } from "../../shared/error-text";
import { TaskForm } from "./task-form";
import { describeRun, localTime } from "./time";
import { Problem } from "../problem";
import { ConfirmDelete } from "../confirm-delete";

interface TaskItemProps {
  task: TaskView;
  disabled: boolean;
  onAction: (action: "pause" | "resume" | "run" | "delete") => Promise<void>;
  onUpdate: (patch: Partial<TaskInput>) => Promise<TaskView>;
  onOpenChat: (sessionId: string) => void;
}

/** One task: what and when, its last result, actions, and its runs on demand. */
export function TaskItem({ task, disabled, onAction, onUpdate, onOpenChat }: TaskItemProps) {
  const [mode, setMode] = useState<"idle" | "editing" | "confirm-delete">("idle");
  const [problem, setProblem] = useState<string | null>(null);
  const headingId = `task-${task.id}`;

  const act = async (action: "pause" | "resume" | "run" | "delete") => {
    try {
      await onAction(action);
      setProblem(null);
    } catch (error) {
      setProblem(errorText(error));
    }
  };

  const next = task.nextRunLocal ? `${task.nextRunLocal} (${task.zone})` : task.status === "paused" ? "none while paused" : "none";
  return (
    <li className="task" data-task-id={task.id} data-status={task.status} aria-labelledby={headingId}>
      <div className="task-head">
        <h3 id={headingId}>{task.title}</h3>
        <span className={`task-status task-status-${task.status}`}>{task.status}</span>
      </div>
      <dl className="facts task-facts">
        <dt>Schedule</dt>
        <dd>{task.schedule}</dd>
        <dt>Next run</dt>
        <dd className="task-next">{next}</dd>
        <dt>Last result</dt>
        <dd className="task-last">{task.lastRun ? `${localTime(task.lastRun.startedAt, task.zone)} · ${describeRun(task.lastRun)}` : "Not run yet"}</dd>
        <dt>Delivers to</dt>
        <dd>
          {task.deliver === "email" ? "email" : "this app"}
          {task.quiet ? ", only when there is something to say" : ""}
        </dd>
        <dt>Prompt</dt>
        <dd className="task-prompt">{task.prompt}</dd>
      </dl>

      {mode === "editing" ? (
        <TaskForm
          task={task}
          disabled={disabled}
          onCancel={() => setMode("idle")}
          onSubmit={async (patch) => {
            const updated = await onUpdate(patch);
            setMode("idle");
            return `Saved; next run ${updated.nextRunLocal ?? "none"}.`;
          }}
        />
      ) : mode === "confirm-delete" ? (
        <ConfirmDelete
          name={task.title}
          question="Delete this task and its history? Its chat stays."
          disabled={disabled}
          onDelete={() => void act("delete")}
          onKeep={() => setMode("idle")}
        />
      ) : (
        <div className="task-actions" role="group" aria-label={`Actions for ${task.title}`}>
          {task.status === "active" && (
            <button type="button" disabled={disabled} onClick={() => void act("pause")}>
              Pause
            </button>
          )}
          {task.status === "paused" && (
            <button type="button" disabled={disabled} onClick={() => void act("resume")}>
              Resume
            </button>
          )}
          {task.status !== "done" && (
            <button type="button" disabled={disabled} onClick={() => setMode("editing")}>
              Edit
            </button>
          )}
          <button type="button" disabled={disabled || task.lastRun?.status === "running"} onClick={() => void act("run")}>
            Run now
          </button>
          {task.sessionId && (
            <button type="button" onClick={() => onOpenChat(task.sessionId!)}>
              Open chat
            </button>
          )}
          <button type="button" className="danger" disabled={disabled} onClick={() => setMode("confirm-delete")}>
            Delete
          </button>
        </div>
      )}
      <Problem text={problem} />
      {task.history.length > 0 && (
        <details className="task-history">
          <summary>History ({task.history.length === 1 ? "1 run" : `${task.history.length} runs`})</summary>
          <ol>
            {task.history.map((run) => (
              <li key={run.id} data-run-status={run.status}>
                <time dateTime={new Date(run.startedAt).toISOString()}>{localTime(run.startedAt, task.zone)}</time> {describeRun(run)}
                {run.delivered ? <span className="muted"> · delivered to {run.delivered}</span> : null}
              </li>
            ))}
          </ol>
        </details>
      )}
    </li>
  );
}
