/** Audio formats the call pipeline converts between: 16-bit PCM, WAV, and the phone network's 8 kHz μ-law. */

export function wavFromPcm16(pcm: Int16Array, sampleRate: number): ArrayBuffer {
  const out = new ArrayBuffer(44 + pcm.byteLength);
  const view = new DataView(out);
  const ascii = (at: number, text: string) => [...text].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + pcm.byteLength, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, pcm.byteLength, true);
  new Int16Array(out, 44).set(pcm);
  return out;
}

/** The samples and rate of a PCM16 mono WAV (null when it is not one). */
export function pcm16FromWav(wav: ArrayBuffer): { pcm: Int16Array; sampleRate: number } | null {
  const view = new DataView(wav);
  if (wav.byteLength < 44 || view.getUint32(0, false) !== 0x52494646) return null;
  let at = 12;
  let sampleRate = 0;
  while (at + 8 <= wav.byteLength) {
    const id = view.getUint32(at, false);
    const size = view.getUint32(at + 4, true);
    if (id === 0x666d7420) sampleRate = view.getUint32(at + 12, true);
    if (id === 0x64617461) {
      const end = Math.min(wav.byteLength, at + 8 + size);
      const bytes = wav.slice(at + 8, end - ((end - at - 8) % 2));
      return { pcm: new Int16Array(bytes), sampleRate };
    }
    at += 8 + size + (size % 2);
  }
  return null;
}

// G.711 μ-law, as the phone network (Twilio Media Streams) carries it.
const BIAS = 0x84;
const CLIP = 32635;

export function mulawEncode(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const sample = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -sample : sample;
}

/** 8 kHz μ-law → 16 kHz PCM16 (each sample repeated: the recogniser's rate, not more detail). */
export function mulaw8kToPcm16k(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length * 2);
  bytes.forEach((b, i) => {
    const s = mulawDecode(b);
    out[2 * i] = s;
    out[2 * i + 1] = s;
  });
  return out;
}

/** PCM16 at any rate → 8 kHz μ-law (nearest sample; phone audio is narrowband anyway). */
export function pcm16ToMulaw8k(pcm: Int16Array, sampleRate: number): Uint8Array {
  const step = sampleRate / 8000;
  const out = new Uint8Array(Math.floor(pcm.length / step));
  for (let i = 0; i < out.length; i++) out[i] = mulawEncode(pcm[Math.floor(i * step)] ?? 0);
  return out;
}
