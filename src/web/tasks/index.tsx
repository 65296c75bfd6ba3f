import { useCallback, useEffect, useState } from "react";
import type { TaskInput, TaskView } from "../../shared/views";
import type { Directory } from "../directory";
import { errorText } from "../../shared/error-text";
import type { Link } from "../status";
import { Notifications } from "./notifications";
import { TaskForm } from "./task-form";
import { TaskItem } from "./task-item";
import { Problem } from "../problem";

/** While a run is going, how often the list is re-read (its end also shows up as a state change). */
const RUNNING_POLL_MS = 3_000;

/** Scheduled tasks: unread results, a create form, and the list with its actions. */
export function TasksView({ directory, link, onOpenChat }: { directory: Directory; link: Link; onOpenChat: (sessionId: string) => void }) {
  const [tasks, setTasks] = useState<TaskView[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // Results and tool calls change the state; re-read the list when they do.
  const changes = `${directory.state?.workspaceVersion ?? 0}:${(directory.state?.notifications ?? []).map((n) => n.id).join(",")}`;

  useEffect(() => {
    if (link !== "open") return;
    let cancelled = false;
    directory
      .call("listTasks", [])
      .then((list) => {
        if (cancelled) return;
        setTasks(list);
        setProblem(null);
      })
      .catch((error: unknown) => !cancelled && setProblem(`Could not read your tasks: ${errorText(error)}`));
    return () => {
      cancelled = true;
    };
  }, [directory, link, tick, changes]);

  const running = tasks?.some((t) => t.lastRun?.status === "running") ?? false;
  useEffect(() => {
    if (!running || link !== "open") return;
    const timer = setInterval(reload, RUNNING_POLL_MS);
    return () => clearInterval(timer);
  }, [running, link, reload]);

  const create = async (input: Partial<TaskInput>): Promise<string> => {
    const task = await directory.call("createTask", [input as TaskInput]);
    reload();
    return `Created “${task.title}”; next run ${task.nextRunLocal ?? "none"} (${task.zone}).`;
  };

  const act = (task: TaskView) => async (action: "pause" | "resume" | "run" | "delete") => {
    if (action === "pause") await directory.call("pauseTask", [task.id]);
    else if (action === "resume") await directory.call("resumeTask", [task.id]);
    else if (action === "run") await directory.call("runTaskNow", [task.id]);
    else await directory.call("deleteTask", [task.id]);
    reload();
  };

  const update = (task: TaskView) => async (patch: Partial<TaskInput>) => {
    const updated = await directory.call("updateTask", [task.id, patch]);
    reload();
    return updated;
  };

  const disabled = link !== "open";
  return (
    <div className="tasks">
      <h2>Scheduled tasks</h2>
      <p className="muted">The agent runs each prompt on its schedule as a full turn in the task's own chat, and tells you the result here.</p>
      <Notifications directory={directory} onOpenChat={onOpenChat} />
      <Problem text={problem} />
      {tasks === null ? (
        !problem && (
          <p className="muted" role="status">
            Loading…
          </p>
        )
      ) : tasks.length === 0 ? (
        <p className="muted">No tasks yet.</p>
      ) : (
        <ul className="task-list" aria-label="Your tasks">
          {tasks.map((task) => (
            <TaskItem key={task.id} task={task} disabled={disabled} onAction={act(task)} onUpdate={update(task)} onOpenChat={onOpenChat} />
          ))}
        </ul>
      )}
      <section className="settings-section" aria-labelledby="new-task-heading">
        <h3 id="new-task-heading">New task</h3>
        <TaskForm disabled={disabled} onSubmit={create} />
      </section>
    </div>
  );
}
