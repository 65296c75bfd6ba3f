import type { SyncedFile } from "./backend";
import { sha256Hex } from "../../util/digest";

/**
 * The sync rules both backends follow, kept pure so they are tested without
 * a container: the sandbox is made to hold exactly the workspace's files,
 * and afterwards every file whose digest differs is a change to copy back.
 */
export interface MirrorPlan {
  write: SyncedFile[];
  remove: string[];
}

/** `present`: path → sha256 of what the sandbox holds now. */
export async function planMirror(files: SyncedFile[], present: Map<string, string>): Promise<{ plan: MirrorPlan; digests: Map<string, string> }> {
  const digests = new Map<string, string>();
  const write: SyncedFile[] = [];
  for (const file of files) {
    const digest = await sha256Base64(file.data);
    digests.set(file.path, digest);
    if (present.get(file.path) !== digest) write.push(file);
  }
  const remove = [...present.keys()].filter((path) => !digests.has(path));
  return { plan: { write, remove }, digests };
}

/** Paths whose content changed or appeared, and paths that disappeared. */
export function changesSince(before: Map<string, string>, after: Map<string, string>): { changed: string[]; deleted: string[] } {
  const changed = [...after].filter(([path, digest]) => before.get(path) !== digest).map(([path]) => path);
  const deleted = [...before.keys()].filter((path) => !after.has(path));
  return { changed, deleted };
}

/** Parses `sha256sum` output ("<hex>  ./path") into path → digest, paths relative to the workspace. */
export function parseDigestListing(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](?:\.\/)?(.+)$/.exec(line);
    if (match?.[1] && match[2]) out.set(match[2], match[1]);
  }
  return out;
}

export async function sha256Base64(data: string): Promise<string> {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return sha256Hex(bytes);
}

/** A path relative to /workspace that cannot climb out of it. */
export function safeRelativePath(path: string): boolean {
  if (!path || path.startsWith("/") || path.includes("\0")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

/** Single-quotes a string for /bin/sh. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
