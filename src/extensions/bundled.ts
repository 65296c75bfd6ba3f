import tabularManifest from "../../extensions/tabular/manifest.json";
import tabularCode from "../../extensions/tabular/extension.js";
import ratesManifest from "../../extensions/rates/manifest.json";
import ratesCode from "../../extensions/rates/extension.js";
import { parseManifest } from "./manifest";
import type { ExtensionManifest } from "./manifest";

/**
 * Extensions that ship with Steward (the top-level extensions/ folder; the
 * code is bundled as text by wrangler's Text rule, mirrored in
 * vitest.config.ts). They are on unless the owner turns one off, and run
 * under exactly the same rules as an extension the agent writes.
 */
export interface BundledExtension {
  manifest: ExtensionManifest;
  code: string;
}

type BundledEnv = Pick<Env, "EXCHANGE_RATES_URL">;

const SOURCES: ReadonlyArray<{ manifest: unknown; code: string; configure?: (manifest: ExtensionManifest, env: BundledEnv) => ExtensionManifest }> = [
  { manifest: tabularManifest, code: tabularCode },
  {
    manifest: ratesManifest,
    code: ratesCode,
    // A deployment may point the rates extension at another Frankfurter-compatible service;
    // the one host it may reach follows the URL, so the declaration stays exact.
    configure: (manifest, env) => {
      const url = env.EXCHANGE_RATES_URL?.trim();
      if (!url) return manifest;
      const host = new URL(url).host;
      return { ...manifest, config: { ...manifest.config, baseUrl: url }, permissions: { ...manifest.permissions, network: [host] } };
    }
  }
];

export function bundledExtensions(env: BundledEnv): BundledExtension[] {
  return SOURCES.map(({ manifest, code, configure }) => {
    const parsed = parseManifest(JSON.stringify(manifest));
    // A broken bundled manifest fails loudly at start-up rather than silently disappearing.
    if (!parsed.ok) throw new Error(`extensions/: ${parsed.error}`);
    return { manifest: configure ? configure(parsed.manifest, env) : parsed.manifest, code };
  });
}
