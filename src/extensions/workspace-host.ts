import { WorkerEntrypoint } from "cloudflare:workers";
import { getAgentByName } from "agents";
import type { Assistant } from "../assistant/assistant";
import { workspacePath } from "../commands/workspace";

export interface WorkspaceHostProps {
  user: string;
  access: "read" | "read-write";
}

/** What an extension's workspace calls return: a failure is a value, so nothing throws across RPC. */
export type WorkspaceAnswer<T> = { ok: true; value: T } | { ok: false; error: string };

/** Extensions and skills live here; an extension may read it, never change it. */
const PROTECTED = "/workspace/.agents";

/**
 * An extension's `env.WORKSPACE` when its manifest declares workspace access:
 * files under /workspace only, and writes only for "read-write" and never
 * under /workspace/.agents (an extension cannot rewrite extensions or skills).
 */
export class ExtensionWorkspace extends WorkerEntrypoint<Env, WorkspaceHostProps> {
  async read(path: unknown): Promise<WorkspaceAnswer<string | null>> {
    const checked = checkedPath(path);
    if (!checked.ok) return checked;
    return (await this.owner()).extensionReadFile(checked.value);
  }

  async write(path: unknown, content: unknown): Promise<WorkspaceAnswer<null>> {
    if (this.ctx.props.access !== "read-write") return { ok: false, error: 'this extension may only read the workspace (its manifest declares "read")' };
    const checked = checkedPath(path);
    if (!checked.ok) return checked;
    if (checked.value === PROTECTED || checked.value.startsWith(`${PROTECTED}/`)) {
      return { ok: false, error: `extensions may not write under ${PROTECTED}` };
    }
    if (typeof content !== "string") return { ok: false, error: "content must be a string" };
    return (await this.owner()).extensionWriteFile(checked.value, content);
  }

  async list(path: unknown): Promise<WorkspaceAnswer<Array<{ name: string; type: "file" | "dir"; size: number }>>> {
    const checked = checkedPath(path ?? "/workspace");
    if (!checked.ok) return checked;
    return (await this.owner()).extensionListFiles(checked.value);
  }

  private owner() {
    return getAgentByName(this.env.Assistant as DurableObjectNamespace<Assistant>, this.ctx.props.user);
  }
}

function checkedPath(path: unknown): WorkspaceAnswer<string> {
  if (typeof path !== "string" || path.length > 4_096) return { ok: false, error: "path must be a string" };
  const checked = workspacePath(path);
  return typeof checked === "string" ? { ok: true, value: checked } : { ok: false, error: checked.error };
}
