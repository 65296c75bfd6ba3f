/** The part of the Agents SDK scheduler the task wake-up uses. */
export interface WakeScheduler {
  listSchedules(): Promise<Array<{ id: string; callback: unknown; time: number }>>;
  cancelSchedule(id: string): Promise<unknown>;
  schedule(when: Date): Promise<unknown>;
}

export const WAKE_CALLBACK = "onTaskWake";

/**
 * At most one wake-up row, at the next due occurrence or retry; none when
 * nothing is due. Serialized so concurrent changes cannot leave two.
 */
export class TaskWake {
  #chain: Promise<void> = Promise.resolve();

  constructor(private readonly scheduler: WakeScheduler) {}

  arm(next: () => number | null): Promise<void> {
    this.#chain = this.#chain
      .then(async () => {
        const at = next();
        const want = at === null ? null : Math.floor(at / 1000);
        let kept = false;
        for (const row of await this.scheduler.listSchedules()) {
          if (row.callback !== WAKE_CALLBACK) continue;
          if (!kept && row.time === want && row.time * 1000 > Date.now()) {
            kept = true;
            continue;
          }
          await this.scheduler.cancelSchedule(row.id);
        }
        if (at !== null && !kept) await this.scheduler.schedule(new Date(Math.max(at, Date.now())));
      })
      .catch((error: unknown) => console.error("could not arm the task wake-up", error));
    return this.#chain;
  }
}
