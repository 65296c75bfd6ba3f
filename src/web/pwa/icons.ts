/**
 * Steward's app icon, drawn in code: the SVG for browsers that take one, and
 * PNGs (any + maskable) for install prompts and home screens that need a
 * bitmap. Written by the build (vite.config.ts → src/web/pwa/build.ts); pure
 * Web APIs (CompressionStream), no image library.
 *
 * The mark: a white ring with a dot (the agent, keeping watch) on blue. The
 * maskable variant keeps the mark inside the central 80 % safe zone.
 */
import { crc32 } from "../../shared/crc32";
import { concatBytes } from "../../shared/bytes";

export const ICON_BLUE = "#1f4fd1";
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="112" fill="${ICON_BLUE}"/><circle cx="256" cy="256" r="150" fill="none" stroke="#fff" stroke-width="44"/><circle cx="256" cy="256" r="58" fill="#fff"/></svg>`;

const BLUE: readonly [number, number, number] = [0x1f, 0x4f, 0xd1];

/** One RGBA icon `size` px square. `maskable`: full-bleed background, mark scaled into the safe zone. */
export function iconPixels(size: number, maskable: boolean): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  const scale = size / 512;
  const markScale = maskable ? 0.72 : 1;
  const corner = maskable ? 0 : 112 * scale;
  const ringOuter = (150 + 22) * scale * markScale;
  const ringInner = (150 - 22) * scale * markScale;
  const dot = 58 * scale * markScale;
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const background = coverage(roundedRectDistance(px, py, size, corner));
      const d = Math.hypot(px - c, py - c);
      const white = Math.max(coverage(Math.max(d - ringOuter, ringInner - d)), coverage(d - dot));
      const i = (y * size + x) * 4;
      pixels[i] = Math.round(BLUE[0] + (255 - BLUE[0]) * white);
      pixels[i + 1] = Math.round(BLUE[1] + (255 - BLUE[1]) * white);
      pixels[i + 2] = Math.round(BLUE[2] + (255 - BLUE[2]) * white);
      pixels[i + 3] = Math.round(255 * background);
    }
  }
  return pixels;
}

/** Signed distance → how much of a pixel a shape covers (one-pixel anti-aliased edge). */
function coverage(distance: number): number {
  return Math.min(1, Math.max(0, 0.5 - distance));
}

function roundedRectDistance(x: number, y: number, size: number, radius: number): number {
  const half = size / 2;
  const qx = Math.abs(x - half) - (half - radius);
  const qy = Math.abs(y - half) - (half - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** A PNG file (8-bit RGBA, no interlace) of `pixels`. */
export async function encodePng(size: number, pixels: Uint8Array): Promise<Uint8Array> {
  const rows = new Uint8Array(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    rows.set(pixels.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  }
  // "deflate" is the zlib format PNG's IDAT wants.
  const compressed = new Uint8Array(await new Response(new Blob([rows]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, size);
  view.setUint32(4, size);
  header.set([8, 6, 0, 0, 0], 8); // depth 8, RGBA, deflate, adaptive filters, no interlace
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", compressed),
    chunk("IEND", new Uint8Array())
  ]);
}

export async function iconPng(size: number, maskable = false): Promise<Uint8Array> {
  return encodePng(size, iconPixels(size, maskable));
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
