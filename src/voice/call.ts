import { SentenceChunker } from "agents/voice";
import type { TranscriberSession, VoiceStatus } from "agents/voice";
import type { SpeechProviders } from "./providers";
import { CHANGED_CALL, PHONE_CANNOT_APPROVE, UNCLEAR_ANSWER, approvalAnswer, approvalQuestion, phoneApprovalNotice } from "./approval";
import type { PendingCall } from "./approval";
import { FenceFilter, speakable } from "./speakable";
import type { CallTurnMetrics, CallTurnOutcome } from "../shared/views";

/** How a call reaches its caller: the web app's socket, or a phone line (src/channels/phone). */
export interface CallLink {
  /** Voice protocol messages (the agents SDK's VoiceClient understands them); a phone link keeps what it needs. */
  sendJSON(message: Record<string, unknown>): void;
  sendAudio(audio: ArrayBuffer): void;
  /** Barge-in: drop whatever audio the caller has not heard yet. */
  clear(): void;
  /**
   * Whether the caller is still hearing speech already sent (a phone line's
   * buffer). The web client stops its own playback and says so (`interrupt`).
   */
  playing?(): boolean;
  close(code: number, reason: string): void;
}

/** What a call needs from its session (the Conversation). */
export interface CallHost {
  readonly channel: "voice" | "phone";
  /** One utterance as a turn of the session; resolves when the turn has ended. */
  runTurn(text: string, signal: AbortSignal): Promise<"completed" | "aborted" | "error">;
  /** The tool call of the last answer that waits for the owner's approval, if any. */
  pendingApproval(): PendingCall | null;
  /** Answers it exactly as the web app's approval card does. */
  answerApproval(call: PendingCall, approved: boolean): Promise<void>;
  /** After a barge-in: the partial answer stays, marked as interrupted. */
  markInterrupted(): Promise<void>;
  recordTurn(metrics: CallTurnMetrics): void;
}

interface Reply {
  /** Set when the session's turn starts (the Conversation's beforeTurn). */
  requestId?: string;
  /** A reply the call did not start itself (the continuation after an approval). */
  implicit: boolean;
  /** End of the caller's speech (or the approval), the start of every timing. */
  startedAt: number;
  firstTextAt?: number;
  firstAudioAt?: number;
  text: string;
  abort: AbortController;
  chunker: SentenceChunker;
  fence: FenceFilter;
  /** Audio is synthesised as soon as a sentence is complete, and sent in order. */
  sending: Promise<void>;
  /** Synthesised sentences in order; each is sent once it and all before it are ready. */
  slots: Array<{ bytes: ArrayBuffer | null; ready: boolean }>;
  interrupted: boolean;
  finished: boolean;
}

/**
 * One call: the caller's audio in, utterances out as turns of the session,
 * the answer spoken sentence by sentence as it streams. One caller at a time
 * (the Conversation refuses a second). Speaks the voice protocol of the
 * agents SDK (`agents/voice`), so the web app can use its VoiceClient.
 */
export class VoiceCall {
  #session?: TranscriberSession;
  #reply?: Reply;
  #awaiting?: { call: PendingCall; asked: string };
  #status: VoiceStatus = "idle";
  #ended = false;
  /** Utterances are handled one after another (a barge-in first ends the running reply). */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: CallLink,
    private readonly host: CallHost,
    private readonly speech: SpeechProviders,
    private readonly now: () => number = () => Date.now()
  ) {}

  get active(): boolean {
    return !this.#ended;
  }

  async start(): Promise<void> {
    this.link.sendJSON({ type: "audio_config", format: this.speech.format, ...(this.speech.sampleRate ? { sampleRate: this.speech.sampleRate } : {}) });
    this.#session = this.speech.transcriber.createSession({
      onSpeechStart: () => this.#bargeIn(),
      onInterim: (text) => this.link.sendJSON({ type: "transcript_interim", text }),
      onUtterance: (text) => this.utterance(text),
      onFatalError: (error) => {
        this.link.sendJSON({ type: "error", message: `speech recognition failed: ${error.message}`, stage: "stt" });
        this.end();
      }
    });
    await this.#session.waitUntilReady?.();
    this.#setStatus("listening");
    // A call may begin with an approval already waiting (asked in the chat before the call).
    this.#askIfPending();
  }

  audio(chunk: ArrayBuffer): void {
    this.#session?.feed(chunk);
  }

  /** The caller's client heard itself being talked over (VoiceClient sends `interrupt`). */
  interrupt(): void {
    this.#bargeIn();
  }

  /** A finished utterance (from the transcriber, or typed as `text_message`). */
  utterance(text: string): void {
    const endOfSpeech = this.now();
    this.#bargeIn();
    this.#queue = this.#queue
      .then(() => this.#handle(text, endOfSpeech))
      .catch((error: unknown) => {
        console.warn(`[steward] call utterance failed: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  async #handle(text: string, endOfSpeech: number): Promise<void> {
    if (this.#ended) return;
    this.link.sendJSON({ type: "transcript", role: "user", text });
    if (this.#awaiting) {
      const answer = approvalAnswer(text);
      if (this.host.channel === "phone") {
        // Caller ID is not the owner: the words are a question for the model, never an approval.
        if (answer) return this.#say(PHONE_CANNOT_APPROVE);
      } else {
        if (!answer) return this.#say(UNCLEAR_ANSWER);
        const asked = this.#awaiting;
        this.#awaiting = undefined;
        const current = this.host.pendingApproval();
        // Exactly the call that was read out: a call that changed since is not approved.
        if (!current || current.toolCallId !== asked.call.toolCallId || approvalQuestion(current) !== asked.asked) {
          await this.#say(CHANGED_CALL);
          this.#askIfPending();
          return;
        }
        this.#setStatus("thinking");
        await this.host.answerApproval(current, answer === "approve");
        return;
      }
    }
    const reply = this.#newReply(false, endOfSpeech);
    this.#setStatus("thinking");
    const outcome = await this.host.runTurn(text, reply.abort.signal).catch(() => "error" as const);
    await this.#finish(reply, outcome);
  }

  // ── The Conversation's turn, as it streams ──

  /** A turn of the session began: the reply waiting for it is bound to it; any other turn is spoken too. */
  turnStarted(requestId: string): void {
    if (this.#ended) return;
    const reply = this.#reply;
    if (reply && !reply.finished && !reply.requestId) {
      reply.requestId = requestId;
      return;
    }
    if (reply && !reply.finished) return;
    const implicit = this.#newReply(true, this.now());
    implicit.requestId = requestId;
    this.#setStatus("thinking");
  }

  text(requestId: string | undefined, delta: string): void {
    const reply = this.#reply;
    if (!reply || reply.finished || reply.interrupted || reply.requestId !== requestId) return;
    if (reply.firstTextAt === undefined) {
      reply.firstTextAt = this.now();
      this.link.sendJSON({ type: "transcript_start", role: "assistant" });
    }
    reply.text += delta;
    this.link.sendJSON({ type: "transcript_delta", text: delta });
    for (const sentence of reply.chunker.add(reply.fence.take(delta))) this.#speak(reply, sentence);
  }

  /** A tool call is about to run: the words before it are spoken now, not after the tool. */
  toolBoundary(requestId: string | undefined): void {
    const reply = this.#reply;
    if (!reply || reply.finished || reply.requestId !== requestId) return;
    for (const sentence of reply.chunker.flush()) this.#speak(reply, sentence);
  }

  /** The session's turn ended (onChatResponse): ends a reply the call did not start itself. */
  turnEnded(requestId: string | undefined, status: string): void {
    const reply = this.#reply;
    if (!reply || !reply.implicit || reply.requestId !== requestId) return;
    void this.#finish(reply, status === "completed" ? "completed" : status === "aborted" ? "aborted" : "error");
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const reply = this.#reply;
    if (reply && !reply.finished) {
      reply.interrupted = true;
      reply.abort.abort();
    }
    this.#session?.close();
    this.#setStatus("idle");
  }

  // ── Speaking ──

  #newReply(implicit: boolean, startedAt: number): Reply {
    const reply: Reply = {
      implicit,
      startedAt,
      text: "",
      abort: new AbortController(),
      chunker: new SentenceChunker(),
      fence: new FenceFilter(),
      sending: Promise.resolve(),
      slots: [],
      interrupted: false,
      finished: false
    };
    this.#reply = reply;
    return reply;
  }

  /** A fixed sentence is spoken as written (it is Steward's, with the call's exact words); the model's text is made speakable. */
  #speak(reply: Reply, sentence: string, fixed = false): void {
    const words = fixed ? sentence : speakable(sentence);
    if (!words) return;
    const audio = this.speech.tts.synthesize(words, reply.abort.signal).catch((error: unknown) => {
      if (!reply.abort.signal.aborted) console.warn(`[steward] speech synthesis failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });
    // Sent the moment it is ready and every sentence before it has gone (no extra promise hops: a busy turn
    // would otherwise hold the first audio back).
    const slot: { bytes: ArrayBuffer | null; ready: boolean } = { bytes: null, ready: false };
    reply.slots.push(slot);
    const settled = audio.then((bytes) => {
      slot.bytes = bytes;
      slot.ready = true;
      this.#flush(reply);
    });
    reply.sending = Promise.all([reply.sending, settled]).then(() => undefined);
  }

  #flush(reply: Reply): void {
    while (reply.slots[0]?.ready) {
      const { bytes } = reply.slots.shift() ?? { bytes: null };
      if (!bytes || reply.abort.signal.aborted || this.#ended) continue;
      if (reply.firstAudioAt === undefined) {
        reply.firstAudioAt = this.now();
        this.#setStatus("speaking");
      }
      this.link.sendAudio(bytes);
    }
  }

  /** A fixed sentence (approvals): spoken as a reply of its own, never by the model. */
  async #say(text: string): Promise<void> {
    const reply = this.#newReply(false, this.now());
    reply.implicit = false;
    reply.requestId = "fixed";
    this.link.sendJSON({ type: "transcript", role: "assistant", text });
    this.#speak(reply, text, true);
    await reply.sending;
    reply.finished = true;
    if (this.#reply === reply) this.#setStatus("listening");
  }

  #bargeIn(): void {
    const reply = this.#reply;
    if (!reply || reply.finished || reply.interrupted) {
      // The answer was all sent, but the line may still be playing it: the caller talks over it.
      if (this.link.playing?.()) this.link.clear();
      return;
    }
    reply.interrupted = true;
    reply.abort.abort();
    this.link.clear();
    // A reply the call did not start (an approval's continuation) is not in the queue: end it here.
    if (reply.implicit) void this.#finish(reply, "aborted");
  }

  async #finish(reply: Reply, outcome: "completed" | "aborted" | "error"): Promise<void> {
    if (reply.finished) return;
    for (const sentence of reply.interrupted ? [] : reply.chunker.flush()) this.#speak(reply, sentence);
    await reply.sending;
    reply.finished = true;
    const result: CallTurnOutcome = reply.interrupted ? "interrupted" : outcome === "completed" ? "completed" : outcome === "aborted" ? "interrupted" : "error";
    if (reply.firstTextAt !== undefined) this.link.sendJSON({ type: "transcript_end", text: reply.text });
    const end = this.now();
    const metrics: CallTurnMetrics = {
      turn: reply.requestId ?? "",
      at: reply.startedAt,
      ...(reply.firstTextAt !== undefined ? { firstTextMs: reply.firstTextAt - reply.startedAt } : {}),
      ...(reply.firstAudioAt !== undefined ? { firstAudioMs: reply.firstAudioAt - reply.startedAt } : {}),
      totalMs: end - reply.startedAt,
      outcome: result
    };
    this.host.recordTurn(metrics);
    this.link.sendJSON({ type: "steward_call_turn", ...metrics });
    this.link.sendJSON({
      type: "turn_metrics",
      turnId: metrics.turn,
      source: "speech",
      outcome: result === "interrupted" ? "aborted" : result,
      turnTotalMs: metrics.totalMs,
      ...(metrics.firstTextMs !== undefined ? { modelToFirstTextMs: metrics.firstTextMs } : {}),
      ...(metrics.firstAudioMs !== undefined ? { finalInputToFirstAudioMs: metrics.firstAudioMs } : {})
    });
    if (result === "interrupted") await this.host.markInterrupted().catch(() => undefined);
    if (this.#reply !== reply || this.#ended) return;
    this.#setStatus("listening");
    if (result === "completed") this.#askIfPending();
  }

  /** An answer that stopped at a call needing approval: the fixed question, built from the call. */
  #askIfPending(): void {
    const call = this.host.pendingApproval();
    if (!call || this.#ended) return;
    const asked = approvalQuestion(call);
    this.#awaiting = { call, asked };
    const text = this.host.channel === "phone" ? phoneApprovalNotice(call) : asked;
    this.#queue = this.#queue.then(() => this.#say(text));
  }

  #setStatus(status: VoiceStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.link.sendJSON({ type: "status", status });
  }
}
