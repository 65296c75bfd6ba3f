import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { Assistant } from "../../src/assistant/assistant";
import type { TaskView } from "../../src/schedules/service";
import { assistantFor } from "../helpers/agent";

export type AssistantStub = Awaited<ReturnType<typeof assistantFor>>;

function raw(stub: AssistantStub): DurableObjectStub<Assistant> {
  return stub as unknown as DurableObjectStub<Assistant>;
}

/** The physical alarm, the task wake-up rows and how many timed jobs the agent holds in all. */
export async function wakeState(stub: AssistantStub): Promise<{ alarm: number | null; wakes: number[]; schedules: number }> {
  return runInDurableObject(raw(stub), async (_i, state) => {
    // Agents 0.32 keeps schedules (and its other timed work) in one job table, created on first use.
    const exists = state.storage.sql.exec(`SELECT 1 FROM sqlite_master WHERE name = 'cf_agents_jobs'`).toArray().length > 0;
    const rows = exists ? state.storage.sql.exec<{ callback: string; time: number }>(`SELECT fn AS callback, time FROM cf_agents_jobs`).toArray() : [];
    return {
      alarm: await state.storage.getAlarm(),
      wakes: rows.filter((r) => r.callback === "onTaskWake").map((r) => Number(r.time)), // job times are epoch ms
      schedules: rows.length
    };
  });
}

/**
 * Makes the pending wake-up due now and runs the real alarm handler, the way
 * the Agents SDK's own tests advance time: backdate the schedule row, then
 * `runDurableObjectAlarm`. Our task rows keep their own instants.
 */
export async function fireWake(stub: AssistantStub, taskIds: string[] = [], dueAt?: number): Promise<void> {
  await runInDurableObject(raw(stub), (_i, state) => {
    const past = Date.now() - 1000;
    state.storage.sql.exec(`UPDATE cf_agents_jobs SET time = ? WHERE fn = 'onTaskWake'`, past);
    for (const id of taskIds) state.storage.sql.exec(`UPDATE steward_task SET next_run_at = ? WHERE id = ?`, dueAt ?? Date.now() - 1000, id);
    for (const id of taskIds)
      state.storage.sql.exec(`UPDATE steward_task_run SET retry_at = ? WHERE task_id = ? AND status = 'retrying'`, Date.now() - 1000, id);
  });
  await runDurableObjectAlarm(raw(stub));
}

/** Waits until `test` holds for the task (runs finish asynchronously, in fibers). */
export async function waitForTask(stub: AssistantStub, id: string, test: (t: TaskView) => boolean, timeoutMs = 60_000): Promise<TaskView> {
  const deadline = Date.now() + timeoutMs;
  let last: TaskView | undefined;
  while (Date.now() < deadline) {
    last = (await stub.listTasks()).find((t) => t.id === id);
    if (last && test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${id} never reached the expected state; last: ${JSON.stringify(last)}`);
}

export const settled = (t: TaskView) => t.history.length > 0 && t.history.every((r) => r.status !== "running");

/** Waits until the agent holds no alarm (fibers release their keep-alive when their run ends). */
export async function waitForNoAlarm(stub: AssistantStub, timeoutMs = 5_000): Promise<Awaited<ReturnType<typeof wakeState>>> {
  const deadline = Date.now() + timeoutMs;
  let state = await wakeState(stub);
  while (state.alarm !== null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    state = await wakeState(stub);
  }
  return state;
}

/** Waits until the task wake-ups are exactly `expected` (re-arming follows a run's end asynchronously). */
export async function waitForWakes(stub: AssistantStub, expected: number[], timeoutMs = 5_000): Promise<Awaited<ReturnType<typeof wakeState>>> {
  const deadline = Date.now() + timeoutMs;
  let state = await wakeState(stub);
  while (JSON.stringify(state.wakes) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    state = await wakeState(stub);
  }
  return state;
}
