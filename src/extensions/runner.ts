import { errorText } from "../shared/error-text";
import type { ActiveExtension } from "./registry";
import type { EgressProps } from "./egress";
import type { WorkspaceHostProps } from "./workspace-host";

export const DEFAULT_EXTENSION_TIMEOUT_MS = 10_000;

/** The loopback bindings the Assistant hands an extension Worker (its `ctx.exports`, narrowed to these two). */
export interface ExtensionExports {
  ExtensionEgress(options: { props: EgressProps }): Fetcher;
  ExtensionWorkspace(options: { props: WorkspaceHostProps }): Fetcher;
}

/** What an extension tool call returns to the model: `{ ok: false, text }` is a ToolFailure (src/shared/tool-result.ts). */
export type ExtensionOutput = { ok: true; value: unknown } | { ok: false; text: string };

/**
 * The module Steward wraps around an extension's code: one RPC method that
 * calls the named export with the input and a `steward` helper (config, and
 * workspace access when declared). Failures come back as values.
 */
const WRAPPER = `import { WorkerEntrypoint } from "cloudflare:workers";
import * as extension from "./extension.js";

function unwrap(answer) {
  if (!answer || answer.ok !== true) throw new Error(answer && answer.error ? answer.error : "workspace call failed");
  return answer.value;
}

export default class ExtensionTool extends WorkerEntrypoint {
  async run(tool, input, config) {
    const fn = Object.hasOwn(extension, tool) ? extension[tool] : undefined;
    if (typeof fn !== "function") return { ok: false, text: "the extension has no exported function " + JSON.stringify(tool) };
    const ws = this.env.WORKSPACE;
    const steward = Object.freeze({
      config: Object.freeze({ ...config }),
      workspace: ws
        ? Object.freeze({
            read: async (path) => unwrap(await ws.read(path)),
            write: async (path, content) => { unwrap(await ws.write(path, content)); },
            list: async (path) => unwrap(await ws.list(path))
          })
        : null
    });
    try {
      const value = await fn(input ?? {}, steward);
      return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
    } catch (error) {
      return { ok: false, text: String((error && error.message) || error) };
    }
  }
}
`;

interface ToolEntrypoint {
  run(tool: string, input: unknown, config: Record<string, string>): Promise<ExtensionOutput>;
}

export interface RunExtensionOptions {
  loader: WorkerLoader;
  exports: ExtensionExports;
  user: string;
  session: string;
  extension: ActiveExtension;
  tool: string;
  toolName: string;
  input: unknown;
  timeoutMs: number;
}

/**
 * Runs one extension tool in its own Dynamic Worker. Its network is Steward's
 * egress filter (declared hosts only) or none at all; its workspace is the
 * declared access or none; the call is cut off after `timeoutMs`. The Worker
 * is keyed by user, session, tool and the files' digest, so changed code never
 * reuses an old Worker.
 */
export async function runExtensionTool(options: RunExtensionOptions): Promise<ExtensionOutput> {
  const { manifest, code, digest } = options.extension;
  const hosts = manifest.permissions.network;
  const access = manifest.permissions.workspace;
  const egress: EgressProps = { user: options.user, session: options.session, tool: options.toolName, extension: manifest.name, hosts: [...hosts] };
  const id = `ext:${options.user}:${options.session}:${options.tool}:${digest}`;
  let stub: ToolEntrypoint;
  try {
    const worker = options.loader.get(id, () => ({
      compatibilityDate: "2026-01-01",
      mainModule: "steward-extension.js",
      modules: { "steward-extension.js": WRAPPER, "extension.js": code },
      // No declared host: no network at all. Otherwise every request passes Steward's filter.
      globalOutbound: hosts.length > 0 ? options.exports.ExtensionEgress({ props: egress }) : null,
      env: access === "none" ? {} : { WORKSPACE: options.exports.ExtensionWorkspace({ props: { user: options.user, access } }) },
      limits: { cpuMs: options.timeoutMs }
    }));
    stub = worker.getEntrypoint() as unknown as ToolEntrypoint;
  } catch (error) {
    return { ok: false, text: `The extension ${manifest.name} could not be loaded: ${errorText(error)}` };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ExtensionOutput>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, text: `The extension tool ${options.toolName} did not finish within ${options.timeoutMs} ms and was stopped.` }),
      options.timeoutMs
    );
  });
  try {
    return await Promise.race([
      stub
        .run(options.tool, options.input, manifest.config)
        .catch((error: unknown): ExtensionOutput => ({ ok: false, text: `The extension ${manifest.name} failed: ${errorText(error)}` })),
      timeout
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function extensionTimeoutMs(env: Pick<Env, "EXTENSION_TIMEOUT_MS">): number {
  const value = Number(env.EXTENSION_TIMEOUT_MS);
  return Number.isInteger(value) && value >= 100 && value <= 60_000 ? value : DEFAULT_EXTENSION_TIMEOUT_MS;
}
