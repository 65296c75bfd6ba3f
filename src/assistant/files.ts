/**
 * The workspace as the browser sees it: a listing, one file's content, an
 * upload and a download. Every path goes through `workspacePath`, so nothing
 * outside /workspace is reachable; sizes are capped so one request cannot
 * flood a WebSocket frame or the Worker's memory.
 */
import { WORKSPACE_ROOT, workspacePath } from "../commands/workspace";
import { MAX_UPLOAD_BYTES, formatBytes } from "../shared/views";
import type { FileContent, FileEntry, FileListing } from "../shared/views";
import { readCapped } from "../util/read-capped";
import { fromBase64, toBase64 } from "../shared/bytes";

export { MAX_UPLOAD_BYTES, formatBytes } from "../shared/views";
export type { FileContent, FileEntry, FileListing } from "../shared/views";

/** The part of the workspace filesystem these helpers use (local or an RPC stub). */
export interface FilesFs {
  readdir(path: string): Promise<Array<{ name: string; size: number; mtime: number; isFile: boolean; isDirectory: boolean; isSymbolicLink: boolean }>>;
  stat(path: string): Promise<{ size: number; mtime: number; isFile: boolean; isDirectory: boolean }>;
  readFile(path: string): Promise<ReadableStream<Uint8Array>>;
  writeFile(path: string, content: Uint8Array): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
}

export const MAX_LIST_ENTRIES = 2000;
/** Largest file shown in the browser (text or image); bigger ones are downloaded. */
export const MAX_VIEW_BYTES = 1024 * 1024;
/** Largest download through GET /api/files. */
export const MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024;

export class FileError extends Error {}

/** Every file and folder under /workspace, depth first, folders before files, by name. */
export async function listFiles(fs: FilesFs, limit = MAX_LIST_ENTRIES): Promise<FileListing> {
  const entries: FileEntry[] = [];
  let truncated = false;
  const walk = async (dir: string): Promise<void> => {
    const children = await fs.readdir(dir);
    children.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name));
    for (const child of children) {
      if (child.isSymbolicLink) continue; // links may point outside the tree; the browser shows only real files
      if (entries.length >= limit) {
        truncated = true;
        return;
      }
      const path = `${dir === "/" ? "" : dir}/${child.name}`;
      entries.push({ path, type: child.isDirectory ? "dir" : "file", size: child.size, mtime: child.mtime });
      if (child.isDirectory) await walk(path);
      if (truncated) return;
    }
  };
  await walk(WORKSPACE_ROOT);
  return { entries, truncated };
}

/** One file for viewing: text as text, images as base64; anything else or too big is refused with a reason. */
export async function readFileForView(fs: FilesFs, rawPath: unknown): Promise<FileContent> {
  const path = checkedPath(rawPath);
  const stat = await statFile(fs, path);
  if (stat.size > MAX_VIEW_BYTES) {
    throw new FileError(`${path} is ${formatBytes(stat.size)}; files over ${formatBytes(MAX_VIEW_BYTES)} can be downloaded but not shown`);
  }
  const bytes = await readAll(fs, path, MAX_VIEW_BYTES);
  const mediaType = mediaTypeOf(path);
  if (mediaType.startsWith("image/") && mediaType !== "image/svg+xml") {
    return { path, size: stat.size, mtime: stat.mtime, mediaType, encoding: "base64", content: toBase64(bytes) };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new FileError(`${path} is not text (${mediaType}); download it instead`);
  }
  return {
    path,
    size: stat.size,
    mtime: stat.mtime,
    mediaType: mediaType === "application/octet-stream" ? "text/plain" : mediaType,
    encoding: "text",
    content: text
  };
}

/** Writes an uploaded file (base64) into the workspace, creating folders as needed. Never replaces a folder. */
export async function uploadFile(fs: FilesFs, rawPath: unknown, base64: unknown): Promise<FileEntry> {
  const path = checkedPath(rawPath);
  if (path === WORKSPACE_ROOT) throw new FileError("an upload needs a file name");
  if (typeof base64 !== "string") throw new FileError("upload content must be a base64 string");
  if (base64.length > Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4) {
    throw new FileError(`upload is larger than ${formatBytes(MAX_UPLOAD_BYTES)}`);
  }
  const bytes = uploadBytes(base64);
  if (bytes.byteLength > MAX_UPLOAD_BYTES) throw new FileError(`upload is larger than ${formatBytes(MAX_UPLOAD_BYTES)}`);
  const existing = await fs.stat(path).catch(() => null);
  if (existing?.isDirectory) throw new FileError(`${path} is a folder`);
  const parent = path.slice(0, path.lastIndexOf("/"));
  if (parent && parent !== WORKSPACE_ROOT) await fs.mkdir(parent, { recursive: true });
  await fs.writeFile(path, bytes);
  return { path, type: "file", size: bytes.byteLength, mtime: Date.now() };
}

/** The whole file for a download, with its media type. */
export async function readFileForDownload(fs: FilesFs, rawPath: unknown): Promise<{ path: string; mediaType: string; bytes: Uint8Array }> {
  const path = checkedPath(rawPath);
  const stat = await statFile(fs, path);
  if (stat.size > MAX_DOWNLOAD_BYTES) throw new FileError(`${path} is larger than ${formatBytes(MAX_DOWNLOAD_BYTES)}`);
  return { path, mediaType: mediaTypeOf(path), bytes: await readAll(fs, path, MAX_DOWNLOAD_BYTES) };
}

export function checkedPath(raw: unknown): string {
  if (typeof raw !== "string") throw new FileError("path must be a string");
  if (raw.length > 1024) throw new FileError("path is longer than 1024 characters");
  if (/[\u0000-\u001f]/.test(raw)) throw new FileError("path contains control characters");
  const path = workspacePath(raw);
  if (typeof path !== "string") throw new FileError(path.error);
  return path;
}

async function statFile(fs: FilesFs, path: string) {
  const stat = await fs.stat(path).catch(() => null);
  if (!stat) throw new FileError(`no such file: ${path}`);
  if (stat.isDirectory) throw new FileError(`${path} is a folder`);
  return stat;
}

async function readAll(fs: FilesFs, path: string, limit: number): Promise<Uint8Array> {
  const bytes = await readCapped(await fs.readFile(path), limit);
  if (!bytes) throw new FileError(`${path} is larger than ${formatBytes(limit)}`);
  return bytes;
}

const MEDIA_TYPES: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  txt: "text/plain",
  json: "application/json",
  js: "text/javascript",
  mjs: "text/javascript",
  ts: "text/plain",
  tsx: "text/plain",
  py: "text/x-python",
  sh: "text/x-shellscript",
  css: "text/css",
  html: "text/html",
  csv: "text/csv",
  yaml: "text/yaml",
  yml: "text/yaml",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf"
};

export function mediaTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  return MEDIA_TYPES[ext] ?? "application/octet-stream";
}

function uploadBytes(text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch {
    throw new FileError("upload content is not valid base64");
  }
}
