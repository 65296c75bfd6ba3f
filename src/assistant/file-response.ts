/** Raster images may be shown inline (the workspace browser's <img>); everything else is an attachment. */
const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/**
 * The HTTP answer for GET /api/files. A workspace file is the user's (or the
 * model's) content, never trusted markup: it is sent with nosniff and a
 * sandboxing CSP so even an HTML or SVG file cannot run script on this origin.
 */
export function fileResponse(
  result: { path: string; mediaType: string; bytes: Uint8Array } | { error: string; status: 400 | 404 },
  inline: boolean
): Response {
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
