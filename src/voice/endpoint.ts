import type { Connection, WSMessage } from "agents";
import type { UIMessage } from "ai";
import type { Channel } from "../shared/channel";
import type { CallTurnMetrics } from "../shared/views";
import type { PendingCall } from "./approval";
import { VoiceCall } from "./call";
import type { CallHost, CallLink } from "./call";
import { speechProviders } from "./providers";
import { commandFor } from "./commands";
import { callTurns, recordCallTurn } from "./store";
import { TwilioLink } from "../channels/phone/media-stream";

/**
 * Set by the Worker (src/server.ts) on a call's WebSocket after it checked the
 * caller, and stripped from every request it did not set it on: a chat socket
 * cannot turn itself into a call.
 */
export const CALL_HEADER = "X-Steward-Call";
export type CallKind = "web" | "phone";

/** What the endpoint needs from its Conversation. */
export interface CallSessionHost {
  env: Env;
  sql: SqlStorage;
  channel(): Channel;
  messages(): UIMessage[];
  runTurn(message: UIMessage, signal: AbortSignal): Promise<string>;
  /** Hands a chat-protocol frame to Think's own handler (an approval, exactly as the web card sends it). */
  chatFrame(connection: Connection, frame: Record<string, unknown>): Promise<void>;
  upsertMessage(message: UIMessage): Promise<void>;
  keepAlive(): Promise<() => void>;
}

/**
 * The call side of a Conversation: at most one caller, whose connection
 * carries the voice protocol (web) or Twilio's media stream (phone) instead
 * of chat frames. The Conversation forwards its turn events here.
 */
export class CallEndpoint {
  #caller?: { connection: Connection; call: VoiceCall; phone?: TwilioLink; release: Promise<() => void> };
  /** Tool calls approved by voice in this facet's lifetime (the audit says so). */
  readonly #votedApprovals = new Set<string>();

  constructor(private readonly host: CallSessionHost) {}

  /** The call's kind when this upgrade is a call (set only by the Worker), else null. */
  static kindOf(request: Request): CallKind | null {
    const value = request.headers.get(CALL_HEADER);
    return value === "web" || value === "phone" ? value : null;
  }

  /** The caller's connection id, while there is one. */
  callerId(): string | undefined {
    return this.#caller?.connection.id;
  }

  owns(connection: Connection): boolean {
    return this.#caller?.connection.id === connection.id;
  }

  connect(connection: Connection, kind: CallKind): void {
    const refuse = (reason: string) => {
      connection.send(JSON.stringify({ type: "error", message: reason }));
      connection.close(4409, reason.slice(0, 120));
    };
    const channel = this.host.channel();
    const expected = kind === "phone" ? "phone" : "voice";
    if (channel !== expected) return refuse(`this session is not a ${expected} call`);
    if (this.#caller?.call.active) return refuse("this call already has a caller");
    const speech = speechProviders(this.host.env, kind);
    if (!speech.ok) return refuse(speech.error);
    const { format, sampleRate } = speech.providers;
    // The bridge converts PCM to μ-law; compressed speech would reach the caller as noise.
    if (kind === "phone" && format !== "pcm16" && format !== "wav") return refuse(`phone calls need PCM speech, but the speech provider returns ${format}`);
    const phone = kind === "phone" ? new TwilioLink(connection, sampleRate ?? 16_000) : undefined;
    const link: CallLink = phone ?? webLink(connection);
    const call = new VoiceCall(link, this.callHost(expected, connection, speech.providers.commands === true), speech.providers);
    this.#caller = { connection, call, ...(phone ? { phone } : {}), release: this.host.keepAlive() };
    if (kind === "web") {
      connection.send(JSON.stringify({ type: "welcome", protocol_version: 1 }));
      connection.send(JSON.stringify({ type: "steward_call_turns", turns: callTurns(this.host.sql) }));
    } else {
      // Twilio's "start" event carries nothing the call needs; the line is live now.
      void call.start();
    }
  }

  /** A frame on the caller's connection. */
  async message(connection: Connection, message: WSMessage): Promise<void> {
    const caller = this.#caller;
    if (!caller || caller.connection.id !== connection.id) return;
    const { call, phone } = caller;
    if (phone) return phone.receive(message, call, () => this.hangUp(connection));
    if (typeof message !== "string") {
      call.audio(message instanceof ArrayBuffer ? message : (message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer));
      return;
    }
    let frame: { type?: unknown; text?: unknown };
    try {
      frame = JSON.parse(message) as typeof frame;
    } catch {
      return;
    }
    switch (frame.type) {
      case "hello":
        connection.send(JSON.stringify({ type: "welcome", protocol_version: 1 }));
        return;
      case "start_call":
        await call.start();
        return;
      case "end_call":
        this.hangUp(connection);
        return;
      case "interrupt":
        call.interrupt();
        return;
      case "text_message":
        if (typeof frame.text === "string" && frame.text.trim() && frame.text.length <= 2_000) call.utterance(frame.text.trim());
        return;
      default:
        // start_of_speech / end_of_speech are the client's own UI state; the transcriber decides turns.
        return;
    }
  }

  /**
   * The caller ended the call (Twilio's "stop", the web client's end_call): it ends and the socket is
   * closed from here; a closing handshake left to the other side can go unanswered on a forwarded facet socket.
   */
  hangUp(connection: Connection): void {
    this.close(connection);
    try {
      connection.close(1000, "the call ended");
    } catch {
      // already closed
    }
  }

  close(connection: Connection): void {
    const caller = this.#caller;
    if (!caller || caller.connection.id !== connection.id) return;
    this.#caller = undefined;
    caller.call.end();
    void caller.release.then((release) => release());
  }

  // ── The session's turn events (from the Conversation) ──

  turnStarted(requestId: string | undefined): void {
    if (requestId) this.#caller?.call.turnStarted(requestId);
  }

  chunk(requestId: string | undefined, chunk: { type: string; text?: unknown }): void {
    const call = this.#caller?.call;
    if (!call) return;
    if (chunk.type === "text-delta" && typeof chunk.text === "string") call.text(requestId, chunk.text);
    else if (chunk.type === "tool-call" || chunk.type === "tool-input-start") call.toolBoundary(requestId);
  }

  turnEnded(requestId: string, status: string): void {
    this.#caller?.call.turnEnded(requestId, status);
  }

  approvedByVoice(toolCallId: string): boolean {
    return this.#votedApprovals.has(toolCallId);
  }

  private callHost(channel: "voice" | "phone", connection: Connection, commands: boolean): CallHost {
    const host = this.host;
    return {
      channel,
      runTurn: async (text, signal) => {
        const said = (commands && commandFor(text)) || text;
        const message: UIMessage = { id: `voice-${crypto.randomUUID()}`, role: "user", parts: [{ type: "text", text: said }] };
        const status = await host.runTurn(message, signal);
        return status === "completed" ? "completed" : status === "aborted" ? "aborted" : "error";
      },
      pendingApproval: () => pendingApproval(host.messages()),
      answerApproval: async (call: PendingCall, approved: boolean) => {
        if (approved) this.#votedApprovals.add(call.toolCallId);
        await host.chatFrame(connection, { type: "cf_agent_tool_approval", toolCallId: call.toolCallId, approved, autoContinue: true });
      },
      markInterrupted: async () => {
        const last = host.messages().at(-1);
        if (last?.role !== "assistant") return;
        const metadata = (typeof last.metadata === "object" && last.metadata !== null ? last.metadata : {}) as Record<string, unknown>;
        await host.upsertMessage({ ...last, metadata: { ...metadata, interrupted: true } });
      },
      recordTurn: (metrics: CallTurnMetrics) => recordCallTurn(host.sql, metrics)
    };
  }
}

/** The tool call of the last answer that waits for the owner, read from the transcript. */
export function pendingApproval(messages: UIMessage[]): PendingCall | null {
  const last = messages.at(-1);
  if (last?.role !== "assistant") return null;
  for (const part of last.parts) {
    const p = part as { type: string; state?: string; toolCallId?: string; input?: unknown };
    if (p.type.startsWith("tool-") && p.state === "approval-requested" && p.toolCallId) {
      return { toolCallId: p.toolCallId, tool: p.type.slice("tool-".length), input: p.input };
    }
  }
  return null;
}

function webLink(connection: Connection): CallLink {
  return {
    sendJSON: (message) => connection.send(JSON.stringify(message)),
    sendAudio: (audio) => connection.send(audio),
    clear: () => connection.send(JSON.stringify({ type: "playback_interrupt" })),
    close: (code, reason) => connection.close(code, reason)
  };
}
