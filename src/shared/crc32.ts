let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), as PNG chunks and zip entries use it; `seed` continues a running CRC. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = ~seed >>> 0;
  for (const byte of bytes) crc = (table[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return ~crc >>> 0;
}
