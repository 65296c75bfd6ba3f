import type { VoiceTransport, VoiceTransportCloseInfo } from "agents/voice/client";

/**
 * The call's socket on Steward's own route (/agent/voice/<session>): the
 * Worker checks the signed-in identity and the Origin exactly as for chat.
 * The SDK's default transport would use /agents/<class>/<name>, which
 * Steward refuses by design. No reconnect: a dropped call is hung up.
 */
export class StewardCallTransport implements VoiceTransport {
  #socket: WebSocket | null = null;
  onopen: (() => void) | null = null;
  onclose: ((info?: VoiceTransportCloseInfo) => void) | null = null;
  onerror: ((error?: unknown) => void) | null = null;
  onmessage: ((data: string | ArrayBuffer | Blob) => void) | null = null;
  /** Steward's own frames (the call's turn metrics), besides the voice protocol. */
  onSteward: ((frame: Record<string, unknown>) => void) | null = null;
  /** Bytes of speech received (shown, and read by the end-to-end tests). */
  onAudioBytes: ((bytes: number) => void) | null = null;
  /** The agent refused the call (a second caller, not a call session, no speech providers). */
  onRefused: ((reason: string) => void) | null = null;

  constructor(private readonly session: string) {}

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  sendJSON(data: Record<string, unknown>): void {
    if (this.connected) this.#socket?.send(JSON.stringify(data));
  }

  sendBinary(data: ArrayBuffer): void {
    if (this.connected) this.#socket?.send(data);
  }

  connect(): void {
    if (this.#socket) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/agent/voice/${encodeURIComponent(this.session)}`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => this.onopen?.();
    socket.onclose = (event) => {
      // A socket closed late must not forget its successor.
      if (this.#socket === socket) this.#socket = null;
      if (event.code >= 4000) this.onRefused?.(event.reason || `closed (${event.code})`);
      this.onclose?.({ code: event.code, reason: event.reason, wasClean: event.wasClean });
    };
    socket.onerror = (event) => this.onerror?.(event);
    socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data === "string" && event.data.startsWith('{"type":"steward_')) {
        try {
          this.onSteward?.(JSON.parse(event.data) as Record<string, unknown>);
        } catch {
          // not JSON after all: ignore
        }
        return;
      }
      if (typeof event.data !== "string") this.onAudioBytes?.(event.data.byteLength);
      this.onmessage?.(event.data);
    };
    this.#socket = socket;
  }

  disconnect(): void {
    this.#socket?.close();
    this.#socket = null;
  }
}
