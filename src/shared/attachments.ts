/**
 * Chat attachments: files the owner adds to a message (picker, drop, paste).
 * Each is uploaded first (POST /api/files) into /workspace/uploads, and the
 * message carries a file part whose URL is the file's same-origin download
 * URL. The conversation turns such parts into the file's bytes for the model
 * (src/assistant/attachments.ts); the page shows images from the same URL.
 */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
export const ATTACHMENT_DIR = "/workspace/uploads";

/** What POST /api/files answers. */
export interface UploadedFile {
  path: string;
  mediaType: string;
  size: number;
}

/** Raster images the browser shows inline and models may take as images. */
export const RASTER_IMAGE_TYPES: readonly string[] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/** The same-origin URL of a workspace file (`inline` for images shown in the page). */
export function workspaceFileUrl(path: string, inline = false): string {
  return `/api/files?${new URLSearchParams(inline ? { path, inline: "1" } : { path })}`;
}

/**
 * The workspace path a URL refers to, when it is a workspace file URL (any
 * origin: only the path is used, and only in the owner's own workspace); null otherwise.
 */
export function workspacePathOfUrl(url: unknown): string | null {
  if (typeof url !== "string" && !(url instanceof URL)) return null;
  let parsed: URL;
  try {
    parsed = new URL(String(url), "http://steward.invalid");
  } catch {
    return null;
  }
  if (parsed.pathname !== "/api/files") return null;
  const path = parsed.searchParams.get("path");
  return path && (path === "/workspace" || path.startsWith("/workspace/")) ? path : null;
}

/** Workspace image paths named in a tool's input or output (a screenshot's `path`, a chart written as SVG). */
export function imagePathsIn(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 3 || v === null || v === undefined) return;
    if (typeof v === "string") {
      for (const m of v.matchAll(/\/workspace\/[^\s"'`<>()]+?\.(?:png|jpe?g|gif|webp|svg)\b/gi)) found.add(m[0]);
      return;
    }
    if (Array.isArray(v)) v.slice(0, 20).forEach((x) => visit(x, depth + 1));
    else if (typeof v === "object")
      Object.values(v)
        .slice(0, 20)
        .forEach((x) => visit(x, depth + 1));
  };
  visit(value, 0);
  return [...found].slice(0, 8);
}
