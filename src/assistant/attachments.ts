/**
 * Chat attachments on the server: saving an upload (POST /api/files) into
 * /workspace/uploads, and turning a message's attachment parts into what the
 * model reads. A file part carries only the file's workspace URL (the page
 * uploads first, so a chat frame stays small); at each turn the bytes are
 * read from the workspace and handed to the model: raster images as images
 * when the configured model takes them (MODEL_ACCEPTS_IMAGES), small text
 * files as their text, anything else as a note naming the path, so the
 * agent can open it with its tools.
 */
import type { ModelMessage } from "ai";
import { ATTACHMENT_DIR, MAX_ATTACHMENT_BYTES, RASTER_IMAGE_TYPES, workspacePathOfUrl } from "../shared/attachments";
import type { UploadedFile } from "../shared/attachments";
import { formatBytes } from "../shared/views";
import { FileError, mediaTypeOf } from "./files";
import type { FilesFs } from "./files";

/** Text attachments up to this size reach the model as their text; bigger ones as a note (the agent can read them). */
const INLINE_TEXT_BYTES = 100 * 1024;

/** A file name safe to put under /workspace/uploads: no folders, no control characters, not empty. */
export function uploadName(raw: string | null): string {
  const base = (raw ?? "").split(/[\\/]/).pop() ?? "";
  const clean = base
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/^\.+/, "")
    .trim()
    .slice(0, 120);
  return clean || "attachment";
}

/** Saves one upload; a name already taken gets " (2)", " (3)"… so nothing is overwritten. */
export async function saveUpload(fs: FilesFs, rawName: string | null, bytes: Uint8Array, declaredType: string | null): Promise<UploadedFile> {
  if (bytes.byteLength > MAX_ATTACHMENT_BYTES) throw new FileError(`attachment is larger than ${formatBytes(MAX_ATTACHMENT_BYTES)}`);
  const name = uploadName(rawName);
  await fs.mkdir(ATTACHMENT_DIR, { recursive: true });
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  let path = `${ATTACHMENT_DIR}/${name}`;
  for (
    let n = 2;
    await fs.stat(path).then(
      () => true,
      () => false
    );
    n++
  ) {
    if (n > 999) throw new FileError(`too many uploads named ${name}`);
    path = `${ATTACHMENT_DIR}/${stem} (${n})${ext}`;
  }
  await fs.writeFile(path, bytes);
  // The extension decides how the file is served later (files.ts); the browser's type only fills a gap.
  const byName = mediaTypeOf(path);
  const mediaType = byName === "application/octet-stream" && declaredType && /^[\w.+-]+\/[\w.+-]+$/.test(declaredType) ? declaredType : byName;
  return { path, mediaType, size: bytes.byteLength };
}

export type ReadAttachment = (path: string) => Promise<{ mediaType: string; bytes: Uint8Array } | { error: string }>;

/**
 * The turn's messages with each workspace attachment resolved, or null when
 * there is none (the turn keeps Think's messages untouched).
 */
export async function resolveAttachments(messages: ModelMessage[], read: ReadAttachment, acceptsImages: boolean): Promise<ModelMessage[] | null> {
  if (!messages.some((m) => m.role === "user" && Array.isArray(m.content) && m.content.some((p) => p.type === "file" && attachmentPath(p.data)))) {
    return null;
  }
  const out: ModelMessage[] = [];
  for (const message of messages) {
    if (message.role !== "user" || !Array.isArray(message.content)) {
      out.push(message);
      continue;
    }
    const content: typeof message.content = [];
    for (const part of message.content) {
      const path = part.type === "file" ? attachmentPath(part.data) : null;
      if (part.type !== "file" || !path) {
        content.push(part);
        continue;
      }
      const file = await read(path);
      if ("error" in file) {
        content.push({ type: "text", text: `[Attachment ${path} could not be read: ${file.error}]` });
        continue;
      }
      const label = `[Attachment: ${path} (${file.mediaType}, ${formatBytes(file.bytes.byteLength)})]`;
      if (RASTER_IMAGE_TYPES.includes(file.mediaType)) {
        content.push({ type: "text", text: label });
        if (acceptsImages) content.push({ type: "file", data: file.bytes, mediaType: file.mediaType, filename: part.filename });
        else content.push({ type: "text", text: "(The configured model does not take images; open the file with your tools if you need it.)" });
        continue;
      }
      const text = file.bytes.byteLength <= INLINE_TEXT_BYTES ? textOf(file.bytes) : null;
      content.push({ type: "text", text: text === null ? `${label} Read it with your workspace tools.` : `${label}\n${text}` });
    }
    out.push({ ...message, content });
  }
  return out;
}

function attachmentPath(data: unknown): string | null {
  if (typeof data === "string" || data instanceof URL) return workspacePathOfUrl(data);
  if (typeof data === "object" && data !== null && (data as { type?: unknown }).type === "url") return workspacePathOfUrl((data as { url?: unknown }).url);
  return null;
}

function textOf(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
