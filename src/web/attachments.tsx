import { useCallback, useState } from "react";
import type { FileUIPart } from "ai";
import { MAX_ATTACHMENT_BYTES, RASTER_IMAGE_TYPES, workspaceFileUrl } from "../shared/attachments";
import type { UploadedFile } from "../shared/attachments";
import { formatBytes } from "../shared/views";

/**
 * Files the owner adds to the next message: by the picker, by dropping them
 * on the chat, or by pasting. Each is uploaded at once (POST /api/files, the
 * same identity rules as downloads) into /workspace/uploads; the message then
 * carries only each file's workspace URL (src/shared/attachments.ts).
 */
export interface Attachment {
  key: string;
  name: string;
  size: number;
  state: "uploading" | "ready" | "failed";
  uploaded?: UploadedFile;
  problem?: string;
}

export function useAttachments() {
  const [items, setItems] = useState<Attachment[]>([]);
  const update = (key: string, change: Partial<Attachment>) => setItems((all) => all.map((a) => (a.key === key ? { ...a, ...change } : a)));

  const add = useCallback((files: Iterable<File>) => {
    for (const file of files) {
      const key = crypto.randomUUID();
      const name = file.name || (file.type.startsWith("image/") ? `pasted.${file.type.slice(6).replace("jpeg", "jpg")}` : "attachment");
      if (file.size > MAX_ATTACHMENT_BYTES) {
        setItems((all) => [...all, { key, name, size: file.size, state: "failed", problem: `larger than ${formatBytes(MAX_ATTACHMENT_BYTES)}` }]);
        continue;
      }
      setItems((all) => [...all, { key, name, size: file.size, state: "uploading" }]);
      void upload(file, name).then(
        (uploaded) => update(key, { state: "ready", uploaded }),
        (error: unknown) => update(key, { state: "failed", problem: error instanceof Error ? error.message : String(error) })
      );
    }
  }, []);

  const remove = useCallback((key: string) => setItems((all) => all.filter((a) => a.key !== key)), []);
  const clear = useCallback(() => setItems([]), []);
  const parts: FileUIPart[] = items.flatMap((a) =>
    a.uploaded
      ? [
          {
            type: "file" as const,
            mediaType: a.uploaded.mediaType,
            filename: a.name,
            url: new URL(workspaceFileUrl(a.uploaded.path, true), location.origin).href
          }
        ]
      : []
  );
  return { items, add, remove, clear, parts, uploading: items.some((a) => a.state === "uploading") };
}

async function upload(file: File, name: string): Promise<UploadedFile> {
  const response = await fetch(`/api/files?${new URLSearchParams({ name })}`, {
    method: "POST",
    body: file,
    headers: { "Content-Type": file.type || "application/octet-stream" }
  });
  const body = (await response.json().catch(() => null)) as (UploadedFile & { error?: string }) | null;
  if (!response.ok || !body?.path) throw new Error(body?.error ?? `upload failed (HTTP ${response.status})`);
  return body;
}

/** The files waiting to go with the next message, each removable. */
export function AttachmentTray({ items, onRemove }: { items: Attachment[]; onRemove: (key: string) => void }) {
  if (items.length === 0) return null;
  return (
    <ul className="attachment-tray" aria-label="Attachments">
      {items.map((a) => (
        <li key={a.key} className="attachment" data-state={a.state}>
          {a.uploaded && RASTER_IMAGE_TYPES.includes(a.uploaded.mediaType) && (
            <img className="attachment-thumb" src={workspaceFileUrl(a.uploaded.path, true)} alt="" />
          )}
          <span className="attachment-name">{a.name}</span>
          <span className="muted">
            {a.state === "uploading" ? "uploading…" : a.state === "failed" ? `not attached: ${a.problem ?? "failed"}` : formatBytes(a.size)}
          </span>
          <button type="button" className="icon-button" aria-label={`Remove ${a.name}`} onClick={() => onRemove(a.key)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
