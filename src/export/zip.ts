import { crc32 } from "../shared/crc32";
import { concatBytes } from "../shared/bytes";

/**
 * A minimal zip writer (PKWARE APPNOTE 6.3: local headers, central
 * directory, end record; UTF-8 names; no zip64, so under 4 GB and 65 535
 * entries). Each entry is deflated with CompressionStream("deflate-raw"),
 * or stored when that does not make it smaller (images, archives).
 */
export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
  modified?: Date;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const UTF8_NAMES = 0x0800;

export async function zip(entries: ZipEntry[]): Promise<Uint8Array> {
  if (entries.length > 0xffff) throw new Error(`too many files for one zip (${entries.length})`);
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const deflated = entry.bytes.byteLength > 0 ? await deflateRaw(entry.bytes) : entry.bytes;
    const method = deflated.byteLength < entry.bytes.byteLength ? 8 : 0;
    const data = method === 8 ? deflated : entry.bytes;
    const crc = crc32(entry.bytes);
    const [time, date] = dosTime(entry.modified ?? new Date());

    const local = new Uint8Array(30 + name.length);
    const l = new DataView(local.buffer);
    l.setUint32(0, LOCAL, true);
    l.setUint16(4, 20, true);
    l.setUint16(6, UTF8_NAMES, true);
    l.setUint16(8, method, true);
    l.setUint16(10, time, true);
    l.setUint16(12, date, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, data.byteLength, true);
    l.setUint32(22, entry.bytes.byteLength, true);
    l.setUint16(26, name.length, true);
    local.set(name, 30);

    const central = new Uint8Array(46 + name.length);
    const c = new DataView(central.buffer);
    c.setUint32(0, CENTRAL, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(8, UTF8_NAMES, true);
    c.setUint16(10, method, true);
    c.setUint16(12, time, true);
    c.setUint16(14, date, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, data.byteLength, true);
    c.setUint32(24, entry.bytes.byteLength, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, offset, true);
    central.set(name, 46);

    locals.push(local, data);
    centrals.push(central);
    offset += local.byteLength + data.byteLength;
    if (offset > 0xffffffff) throw new Error("the export is larger than 4 GB, more than a zip without zip64 holds");
  }
  const centralSize = centrals.reduce((n, c) => n + c.byteLength, 0);
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, END, true);
  e.setUint16(8, entries.length, true);
  e.setUint16(10, entries.length, true);
  e.setUint32(12, centralSize, true);
  e.setUint32(16, offset, true);
  return concatBytes([...locals, ...centrals, end]);
}

async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** MS-DOS time and date (2-second resolution, local = UTC here). */
function dosTime(at: Date): [number, number] {
  const year = Math.max(1980, at.getUTCFullYear());
  return [
    (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
    ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate()
  ];
}
