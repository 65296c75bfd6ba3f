import type { Workspace } from "@cloudflare/computer";
import { safeRelativePath } from "./mirror";
import type { SyncedFile } from "./backend";
import { fromBase64, toBase64 } from "../../shared/bytes";

/** The user's files live under this directory of the workspace; the sandbox sees it as its /workspace. */
export const SYNC_ROOT = "/workspace";
/** A larger workspace is refused rather than half-synced. */
export const MAX_SYNC_BYTES = 32 * 1024 * 1024;

type Fs = Workspace["fs"];

/** Every file under /workspace, as sandbox-relative paths and base64 bytes. */
export async function snapshotWorkspace(fs: Fs): Promise<SyncedFile[]> {
  const files: SyncedFile[] = [];
  let total = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await fs.readdir(dir)) {
      const path = `${dir}/${entry.name}`;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(path, rel);
      else if (entry.isFile) {
        total += entry.size;
        if (total > MAX_SYNC_BYTES) {
          throw new Error(
            `the workspace holds more than ${MAX_SYNC_BYTES / 1024 / 1024} MiB, too much to copy into the sandbox; delete or move large files first`
          );
        }
        files.push({ path: rel, data: toBase64(await readBytes(fs, path)) });
      }
    }
  };
  if (
    await fs.stat(SYNC_ROOT).then(
      () => true,
      () => false
    )
  )
    await walk(SYNC_ROOT, "");
  return files;
}

/** Copies a command's changes back. Paths that would leave /workspace are ignored. */
export async function applyChanges(fs: Fs, changed: SyncedFile[], deleted: string[]): Promise<void> {
  for (const file of changed) {
    if (!safeRelativePath(file.path)) continue;
    const path = `${SYNC_ROOT}/${file.path}`;
    await fs.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await fs.writeFile(path, fromBase64(file.data));
  }
  for (const rel of deleted) {
    if (safeRelativePath(rel)) await fs.rm(`${SYNC_ROOT}/${rel}`, { force: true });
  }
}

async function readBytes(fs: Fs, path: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await fs.readFile(path)).arrayBuffer());
}
