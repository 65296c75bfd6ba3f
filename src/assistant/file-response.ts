import { MAX_ATTACHMENT_BYTES } from "../shared/attachments";
import type { UploadedFile } from "../shared/attachments";
import { formatBytes } from "../shared/views";
import { readCapped } from "../util/read-capped";

/** Raster images may be shown inline (the workspace browser's <img>); everything else is an attachment. */
const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/**
 * The HTTP answer for GET /api/files. A workspace file is the user's (or the
 * model's) content, never trusted markup: it is sent with nosniff and a
 * sandboxing CSP so even an HTML or SVG file cannot run script on this origin.
 */
export function fileResponse(result: { path: string; mediaType: string; bytes: Uint8Array } | { error: string; status: 400 | 404 }, inline: boolean): Response {
  if ("error" in result) return Response.json({ error: result.error }, { status: result.status, headers: { "Cache-Control": "no-store" } });
  const name = result.path.slice(result.path.lastIndexOf("/") + 1) || "download";
  const disposition = inline && INLINE_TYPES.has(result.mediaType) ? "inline" : "attachment";
  return new Response(result.bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      "Content-Type": result.mediaType,
      "Content-Disposition": `${disposition}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store"
    }
  });
}

/**
 * The HTTP answer for POST /api/files?name=…: the body (≤ 25 MB, checked
 * while it streams in, not trusted from Content-Length) saved as a chat attachment.
 */
export async function uploadResponse(
  owner: { saveAttachment(name: string | null, bytes: Uint8Array, mediaType: string | null): Promise<UploadedFile | { error: string; status: 400 }> },
  request: Request,
  url: URL
): Promise<Response> {
  const noStore = { "Cache-Control": "no-store" };
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  const tooBig = () => Response.json({ error: `attachment is larger than ${formatBytes(MAX_ATTACHMENT_BYTES)}` }, { status: 413, headers: noStore });
  if (declared > MAX_ATTACHMENT_BYTES) return tooBig();
  const bytes = await readCapped(request.body, MAX_ATTACHMENT_BYTES);
  if (!bytes) return tooBig();
  const saved = await owner.saveAttachment(url.searchParams.get("name"), bytes, request.headers.get("Content-Type"));
  if ("error" in saved) return Response.json({ error: saved.error }, { status: saved.status, headers: noStore });
  return Response.json(saved, { status: 201, headers: noStore });
}
