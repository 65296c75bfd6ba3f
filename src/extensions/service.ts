import type { DynamicFacts } from "../shared/tool-facts";
import type { ExtensionView } from "../shared/extension-views";
import { EXTENSION_TOOL_PREFIX } from "../shared/tool-facts";
import { bundledExtensions } from "./bundled";
import { ExtensionRegistry, extensionFacts, extensionTools } from "./registry";
import type { DynamicToolView, ExtensionFs } from "./registry";
import { extensionTimeoutMs, runExtensionTool } from "./runner";
import type { ExtensionExports, ExtensionOutput } from "./runner";

export interface ExtensionsHost {
  sql: SqlStorage;
  fs: ExtensionFs;
  env: Env;
  exports: ExtensionExports;
  user(): string;
  /** Bumped whenever the workspace may have changed: the registry rescans only then. */
  workspaceVersion(): number;
}

/**
 * The Assistant's side of extensions: what sessions are offered (tools and
 * their gate facts), running a call, and the owner's decisions. One scan of
 * the extension folders per workspace change.
 */
export class Extensions {
  readonly #registry: ExtensionRegistry;
  #decisions = 0;

  constructor(private readonly host: ExtensionsHost) {
    this.#registry = new ExtensionRegistry(host.sql, host.fs, () => bundledExtensions(host.env));
  }

  private key(): string {
    return `${this.host.workspaceVersion()}:${this.#decisions}`;
  }

  async facts(): Promise<DynamicFacts> {
    return extensionFacts(await this.#registry.active(this.key()));
  }

  async tools(): Promise<DynamicToolView[]> {
    return extensionTools(await this.#registry.active(this.key()));
  }

  views(): Promise<ExtensionView[]> {
    return this.#registry.views(this.key());
  }

  async enable(name: string, digest: string): Promise<void> {
    // Rescan first: the owner's digest is checked against the files as they are now.
    this.#registry.forget();
    await this.#registry.enable(this.key(), name, digest);
    this.#decisions++;
  }

  async disable(name: string): Promise<void> {
    await this.#registry.disable(this.key(), name);
    this.#decisions++;
  }

  /**
   * One call, after the gate let it run. The files are read again and must
   * still be the enabled ones: a change between the gate and the run is refused.
   */
  async run(session: string, toolName: string, input: unknown): Promise<ExtensionOutput> {
    this.#registry.forget();
    const active = await this.#registry.active(this.key());
    for (const extension of active) {
      const prefix = `${EXTENSION_TOOL_PREFIX}${extension.manifest.name}_`;
      if (!toolName.startsWith(prefix)) continue;
      const tool = extension.manifest.tools.find((t) => t.name === toolName.slice(prefix.length));
      if (!tool) break;
      return runExtensionTool({
        loader: this.host.env.LOADER,
        exports: this.host.exports,
        user: this.host.user(),
        session,
        extension,
        tool: tool.name,
        toolName,
        input,
        timeoutMs: extensionTimeoutMs(this.host.env)
      });
    }
    return { ok: false, text: `${toolName} is not an enabled extension tool (it may have been turned off or changed since this turn began).` };
  }
}
