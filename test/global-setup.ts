/**
 * Workerd test setup (runs in Node before the pool starts): a loopback npm
 * registry (tier 2), a loopback website (tier 3), and the Chromium wrapper
 * the local BROWSER binding launches. Their URLs reach the Worker as
 * bindings (vitest.config.ts) and the tests through `inject`.
 */
import type { TestProject } from "vitest/node";
import { ensureChromium } from "../scripts/setup-chromium.mjs";
import { startNpmRegistry } from "./fixtures/npm-registry";
import { startSite } from "./fixtures/site";

declare module "vitest" {
  export interface ProvidedContext {
    npmRegistry: string;
    siteURL: string;
    chromium: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const chromium = ensureChromium();
  if (!chromium.ok) console.warn(`[steward tests] ${chromium.message}`);
  const registry = await startNpmRegistry();
  const site = await startSite();
  project.provide("npmRegistry", registry.url);
  project.provide("siteURL", site.url);
  project.provide("chromium", chromium.ok);
  return async () => {
    await Promise.all([registry.close(), site.close()]);
  };
}
