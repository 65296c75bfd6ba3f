import type { OutputListener } from "./sandbox/backend";

/**
 * A tier 4 command's output while it runs: the sandbox → the user's Assistant
 * (`relayOutput`) → the session (`LiveOutput`) → a `steward_tool_output` frame
 * the tool card shows. Nothing here is stored: the final result is the record
 * (a crash recovers it from the sandbox's job) and only it reaches the model.
 */

/** Each stream's tail kept for the card: every frame carries it whole, so it stays small. */
export const LIVE_TAIL_CHARS = 8000;

/** The gap between two frames grows with the run (every ~¼ s at first, every 2 s after a minute). */
export function updateGapMs(elapsedMs: number): number {
  return Math.min(2000, 250 + elapsedMs / 30);
}

export interface LiveView {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

function keepTail(text: string): string {
  return text.length > LIVE_TAIL_CHARS ? text.slice(-LIVE_TAIL_CHARS) : text;
}

/** The session's side: collects output and publishes the tails, spaced by `updateGapMs`, until closed. */
export class LiveOutput {
  readonly #view: LiveView = { stdout: "", stderr: "", truncated: false };
  readonly #started: number;
  #last = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    private readonly publish: (view: LiveView) => void,
    private readonly now: () => number = Date.now
  ) {
    this.#started = now();
  }

  readonly listener: OutputListener = (stream, text) => {
    if (this.#closed) return;
    const next = this.#view[stream] + text;
    this.#view[stream] = keepTail(next);
    if (this.#view[stream].length < next.length) this.#view.truncated = true;
    this.#schedule();
  };

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#last + updateGapMs(this.now() - this.#started) - this.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      this.#last = this.now();
      this.publish({ ...this.#view });
    }, wait);
  }
}

/**
 * The Assistant's side: hands output to the session's listener (an RPC stub)
 * with at most one call in flight, joining what arrives meanwhile, so a chatty
 * command costs a few calls, in order. A listener that is gone (the turn ended
 * or was cancelled) is dropped: the output is still in the result.
 */
export function relayOutput(listener: OutputListener | undefined): OutputListener | undefined {
  if (!listener) return undefined;
  const pending = { stdout: "", stderr: "" };
  let sending = false;
  let gone = false;
  const send = async () => {
    sending = true;
    try {
      while (!gone && (pending.stdout || pending.stderr)) {
        for (const stream of ["stdout", "stderr"] as const) {
          const text = pending[stream];
          pending[stream] = "";
          if (text) await listener(stream, text);
        }
      }
    } catch {
      gone = true;
    } finally {
      sending = false;
    }
  };
  return (stream, text) => {
    if (gone) return;
    // The card keeps a tail only; what it could never show is not sent.
    pending[stream] = keepTail(pending[stream] + text);
    if (!sending) void send();
  };
}
