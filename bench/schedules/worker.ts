/**
 * Bench-only Worker: Steward's real entry, unchanged, plus a bare Agents SDK
 * agent whose `this.schedule(date, …)` callbacks only record when they ran.
 * That is the floor for "an alarm fires and a callback runs"; Steward's tasks
 * add claiming, a fiber, a session facet and a full turn on top.
 *
 * Not deployed: only bench/schedules/wrangler.jsonc points here, and the
 * /agents/bare-scheduler/<name> route exists only in this Worker.
 */
import { Agent, callable } from "agents";
import { stewardBeside } from "../lib/beside-steward";

export { Assistant, Conversation, Researcher } from "../../src/server";

export class BareScheduler extends Agent<Env> {
  @callable()
  async arm(at: number, count: number): Promise<number> {
    this.sql`CREATE TABLE IF NOT EXISTS fired (id TEXT PRIMARY KEY, due INTEGER, at INTEGER)`;
    for (let i = 0; i < count; i++) await this.schedule(new Date(at), "tick", { due: at, n: i });
    return count;
  }

  async tick(payload: { due: number; n: number }): Promise<void> {
    this.sql`INSERT INTO fired (id, due, at) VALUES (${String(payload.n)}, ${payload.due}, ${Date.now()})`;
  }

  @callable()
  fired(): Array<{ id: string; due: number; at: number }> {
    this.sql`CREATE TABLE IF NOT EXISTS fired (id TEXT PRIMARY KEY, due INTEGER, at INTEGER)`;
    return this.sql<{ id: string; due: number; at: number }>`SELECT id, due, at FROM fired`;
  }
}

export default stewardBeside("/agents/bare-scheduler/");
