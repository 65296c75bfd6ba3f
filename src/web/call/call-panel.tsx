import { useEffect, useMemo, useState } from "react";
import { VoiceClient } from "agents/voice/client";
import type { TranscriptMessage, VoiceStatus } from "agents/voice/client";
import type { CallTurnMetrics } from "../../shared/views";
import { StewardCallTransport } from "./transport";
import { MicInput } from "./mic-input";

interface CallPanelProps {
  session: string;
}

const STATUS_TEXT: Record<VoiceStatus, string> = {
  idle: "Not in a call",
  listening: "Listening",
  thinking: "Thinking",
  speaking: "Speaking"
};

/**
 * A call with the agent in this session: the microphone goes to the agent,
 * its answer comes back as speech. The transcript, the tool cards and the
 * approval cards are in the chat below (the same session); this panel shows
 * the live status, what was heard and said, and each spoken turn's timings.
 */
export function CallPanel({ session }: CallPanelProps) {
  const transport = useMemo(() => new StewardCallTransport(session), [session]);
  const client = useMemo(() => new VoiceClient({ agent: "Assistant", transport, audioInput: new MicInput() }), [transport]);
  const [status, setStatus] = useState<VoiceStatus>("idle");
  const [transcript, setTranscript] = useState<TranscriptMessage[]>([]);
  const [interim, setInterim] = useState<string | null>(null);
  const [muted, setMuted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [turns, setTurns] = useState<CallTurnMetrics[]>([]);
  const [audioBytes, setAudioBytes] = useState(0);
  const [connecting, setConnecting] = useState(false);

  useEffect(() => {
    client.addEventListener("statuschange", setStatus);
    client.addEventListener("transcriptchange", (t) => setTranscript([...t]));
    client.addEventListener("interimtranscript", setInterim);
    client.addEventListener("mutechange", setMuted);
    client.addEventListener("error", setError);
    client.addEventListener("connectionchange", (open) => open || setConnecting(false));
    transport.onSteward = (frame) => {
      if (frame.type === "steward_call_turns" && Array.isArray(frame.turns)) setTurns(frame.turns as CallTurnMetrics[]);
      if (frame.type === "steward_call_turn") setTurns((old) => [...old, frame as unknown as CallTurnMetrics].slice(-50));
    };
    transport.onAudioBytes = (bytes) => setAudioBytes((n) => n + bytes);
    transport.onRefused = (reason) => setError(`The call was refused: ${reason}`);
    // The socket opens only when a call starts (a session is not a call until then).
    return () => {
      client.endCall();
      client.disconnect();
    };
  }, [client, transport]);

  const inCall = status !== "idle";
  /** Opens the call's socket, then starts the call (microphone on) once it is open. */
  async function startCall(voice: VoiceClient): Promise<void> {
    setError(null);
    setConnecting(true);
    try {
      if (!voice.connected) {
        const open = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 15_000);
          voice.addEventListener("connectionchange", (connected) => {
            clearTimeout(timer);
            resolve(connected);
          });
        });
        voice.connect();
        if (!(await open)) return;
      }
      await voice.startCall();
    } finally {
      setConnecting(false);
    }
  }
  return (
    <section className="call-panel" aria-label="Call">
      <div className="call-controls">
        {inCall ? (
          <button
            type="button"
            className="hang-up"
            onClick={() => {
              client.endCall();
              client.disconnect();
            }}
          >
            Hang up
          </button>
        ) : (
          <button type="button" className="call-start" onClick={() => void startCall(client)} disabled={connecting}>
            Start call
          </button>
        )}
        <button type="button" onClick={() => client.toggleMute()} disabled={!inCall} aria-pressed={muted}>
          {muted ? "Unmute" : "Mute"}
        </button>
        <span className="call-status" role="status" data-status={status}>
          {STATUS_TEXT[status]}
        </span>
        <span className="visually-hidden" data-testid="call-audio-bytes">
          {audioBytes}
        </span>
      </div>
      {error && (
        <p className="call-error" role="alert">
          {error}
        </p>
      )}
      <ol className="call-transcript" aria-label="Call transcript" aria-live="polite">
        {transcript.map((m, i) => (
          <li key={i} data-role={m.role}>
            <strong>{m.role === "user" ? "You" : "Agent"}:</strong> {m.text}
          </li>
        ))}
        {interim && (
          <li data-role="interim">
            <em>{interim}</em>
          </li>
        )}
      </ol>
      {turns.length > 0 && (
        <table className="call-metrics">
          <caption>Spoken turns (ms from the end of your speech)</caption>
          <thead>
            <tr>
              <th scope="col">First text</th>
              <th scope="col">First audio</th>
              <th scope="col">Total</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {turns.map((t, i) => (
              <tr key={`${t.turn}-${i}`}>
                <td>{t.firstTextMs ?? "–"}</td>
                <td>{t.firstAudioMs ?? "–"}</td>
                <td>{t.totalMs}</td>
                <td>{t.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
