import { taskIdOf } from "./service";

/** Text deltas are sent on in batches at most this old (one RPC and one stored event per batch, not per token). */
const TEXT_FLUSH_MS = 50;
/** Tool input shown in an event, in characters of JSON. */
const MAX_INPUT_CHARS = 2_000;

export interface RelayTarget {
  apiProgress(taskId: string, type: "text" | "tool-call" | "tool-result", data: Record<string, unknown>): Promise<void> | void;
}

type Chunk = { type: string; text?: string; delta?: string; toolCallId?: string; toolName?: string; input?: unknown; output?: unknown };

/**
 * In a Conversation of an "api" session: turns the model's stream chunks
 * into the task's progress events in the Assistant. Which task a chunk
 * belongs to comes from the turn's user message id (`api:<task id>`).
 */
export class ApiProgressRelay {
  #text = "";
  #taskId: string | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> = Promise.resolve();

  constructor(private readonly target: () => Promise<RelayTarget>) {}

  push(turnMessageId: string | undefined, chunk: Chunk): void {
    const taskId = taskIdOf(turnMessageId);
    if (!taskId) return;
    if (chunk.type === "text-delta") {
      if (this.#taskId !== taskId) this.flush();
      this.#taskId = taskId;
      this.#text += chunk.text ?? chunk.delta ?? "";
      this.#timer ??= setTimeout(() => this.flush(), TEXT_FLUSH_MS);
      return;
    }
    if (chunk.type === "tool-call") {
      this.flush();
      this.send(taskId, "tool-call", { toolCallId: chunk.toolCallId, tool: chunk.toolName, input: shortInput(chunk.input) });
    } else if (chunk.type === "tool-result") {
      this.flush();
      this.send(taskId, "tool-result", { toolCallId: chunk.toolCallId, tool: chunk.toolName });
    }
  }

  /** Sends buffered text now; resolves when everything pushed so far has reached the Assistant. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#text && this.#taskId) this.send(this.#taskId, "text", { text: this.#text });
    this.#text = "";
    return this.#sending;
  }

  /** In order: each RPC waits for the previous one, so events keep the stream's order. */
  private send(taskId: string, type: "text" | "tool-call" | "tool-result", data: Record<string, unknown>): void {
    this.#sending = this.#sending
      .then(async () => (await this.target()).apiProgress(taskId, type, data))
      .catch((error: unknown) => console.warn(`[steward] API task ${taskId}: progress not relayed`, error));
  }
}

function shortInput(input: unknown): unknown {
  const text = JSON.stringify(input ?? null);
  return text.length <= MAX_INPUT_CHARS ? input : `${text.slice(0, MAX_INPUT_CHARS)}…`;
}
