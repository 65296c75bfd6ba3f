import type { VoiceAudioInput } from "agents/voice/client";
// Never inlined as a data: URL: the CSP runs worklet scripts from the app's own origin only.
import workletUrl from "./capture-worklet.js?url&no-inline";

/**
 * The microphone for a call: 16 kHz mono PCM16 blocks and their level, as
 * VoiceClient expects from an `audioInput`. Its worklet is a same-origin file
 * (capture-worklet.js) so the app's CSP stays `script-src 'self'`.
 */
export class MicInput implements VoiceAudioInput {
  onAudioLevel: ((rms: number) => void) | null = null;
  onAudioData: ((pcm: ArrayBuffer) => void) | null = null;
  #context: AudioContext | null = null;
  #stream: MediaStream | null = null;

  async start(): Promise<void> {
    this.#stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false }
    });
    const context = new AudioContext();
    this.#context = context;
    await context.audioWorklet.addModule(workletUrl);
    const node = new AudioWorkletNode(context, "steward-capture");
    node.port.onmessage = (event: MessageEvent<Float32Array>) => {
      const block = event.data;
      const pcm = new Int16Array(block.length);
      let sum = 0;
      for (let i = 0; i < block.length; i++) {
        const s = Math.max(-1, Math.min(1, block[i] ?? 0));
        sum += s * s;
        pcm[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
      }
      this.onAudioLevel?.(Math.sqrt(sum / Math.max(1, block.length)));
      this.onAudioData?.(pcm.buffer);
    };
    context.createMediaStreamSource(this.#stream).connect(node);
    // A worklet is only run when the graph pulls it: connect it to the output through a silent gain.
    const silent = context.createGain();
    silent.gain.value = 0;
    node.connect(silent).connect(context.destination);
  }

  stop(): void {
    this.#stream?.getTracks().forEach((track) => track.stop());
    this.#stream = null;
    void this.#context?.close().catch(() => undefined);
    this.#context = null;
  }
}
