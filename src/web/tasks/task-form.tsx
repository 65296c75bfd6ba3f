import { useId, useState } from "react";
import type { FormEvent } from "react";
import type { TaskInput, TaskView } from "../../shared/views";
import { errorText } from "../../shared/error-text";

interface TaskFormProps {
  /** Editing this task (only changed fields are sent); creating when absent. */
  task?: TaskView;
  disabled: boolean;
  onSubmit: (input: Partial<TaskInput>) => Promise<string>;
  onCancel?: () => void;
}

/**
 * Create or edit a task. The server parses the schedule phrase and checks the
 * limits; its refusal is shown next to the form and nothing is changed.
 */
export function TaskForm({ task, disabled, onSubmit, onCancel }: TaskFormProps) {
  const id = useId();
  const [when, setWhen] = useState("");
  const [prompt, setPrompt] = useState(task?.prompt ?? "");
  const [title, setTitle] = useState(task?.title ?? "");
  const [quiet, setQuiet] = useState(task?.quiet ?? false);
  const [deliver, setDeliver] = useState<"web" | "email">(task?.deliver ?? "web");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input: Partial<TaskInput> = {};
    if (when.trim()) input.when = when.trim();
    if (!task || prompt !== task.prompt) input.prompt = prompt;
    if (title.trim() && title.trim() !== task?.title) input.title = title.trim();
    if (!task || quiet !== task.quiet) input.quiet = quiet;
    if (!task || deliver !== task.deliver) input.deliver = deliver;
    if (!task && !input.when) return setProblem("Say when it should run, e.g. “every weekday at 08:00” or “in 20m”.");
    if (!task && !prompt.trim()) return setProblem("Write what the agent should do (the prompt).");
    setBusy(true);
    setDone(null);
    try {
      const message = await onSubmit(input);
      setProblem(null);
      setDone(message);
      if (!task) {
        setWhen("");
        setPrompt("");
        setTitle("");
        setQuiet(false);
      }
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="task-form"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => e.key === "Escape" && onCancel?.()}
      aria-label={task ? `Edit ${task.title}` : "New task"}
    >
      <label htmlFor={`${id}-when`}>Schedule</label>
      <input
        id={`${id}-when`}
        value={when}
        onChange={(e) => setWhen(e.target.value)}
        placeholder={task ? `unchanged: ${task.schedule}` : 'every weekday at 08:00 · in 20m · cron "0 9 * * 1"'}
        aria-describedby={`${id}-when-help`}
        autoFocus={Boolean(task)}
      />
      <span id={`${id}-when-help`} className="muted task-form-help">
        {task ? "Leave empty to keep the schedule." : '“in 20m”, “daily at 18:30”, “every 2h”, “every mon,wed at 09:00”, cron "0 9 * * 1".'} Times are in your
        time zone (Settings).
      </span>
      <label htmlFor={`${id}-prompt`}>Prompt</label>
      <textarea id={`${id}-prompt`} value={prompt} rows={3} maxLength={4000} onChange={(e) => setPrompt(e.target.value)} />
      <label htmlFor={`${id}-title`}>Title (optional)</label>
      <input id={`${id}-title`} value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} />
      <div className="task-form-row">
        <label>
          <input type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} /> Quiet: only tell me when there is something to say
        </label>
        <label>
          Deliver to{" "}
          <select value={deliver} onChange={(e) => setDeliver(e.target.value as "web" | "email")}>
            <option value="web">this app</option>
            <option value="email">email</option>
          </select>
        </label>
      </div>
      <div className="task-form-row">
        <button type="submit" className="primary" disabled={disabled || busy}>
          {task ? "Save changes" : "Create task"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {problem ? (
        <p className="problem" role="alert">
          {problem}
        </p>
      ) : (
        done && (
          <p className="muted" role="status">
            {done}
          </p>
        )
      )}
    </form>
  );
}
