import type { FiberContext } from "agents";
import { dependencySet, ensureBundle, rewriteImports } from "./npm";
import type { BundleManifest, BundleStore, DependencySet, NpmBundleOutcome } from "./npm";
import { errorText } from "../shared/error-text";

type Built = { manifest: BundleManifest; cached: boolean };

export interface BundlerHost {
  registry: string;
  store: BundleStore;
  runFiber<T>(name: string, fn: (ctx: FiberContext) => Promise<T>): Promise<T>;
}

/**
 * Tier 2's bundling in the user's Assistant. Each build runs in a fiber keyed
 * by the dependency digest so the object stays alive while it works; the cache
 * is content-addressed and its manifest written last, so after a crash the
 * next call simply resumes. Concurrent sessions asking for the same set share
 * one build.
 */
export class NpmBundler {
  readonly #running = new Map<string, Promise<Built>>();

  constructor(private readonly host: BundlerHost) {}

  /** A refusal comes back as `{ error }`, not a throw: across RPC it is an answer, not a crash. */
  async bundle(code: string, versions: Record<string, string>): Promise<NpmBundleOutcome> {
    try {
      const deps = await dependencySet(code, versions);
      const built = await this.#build(deps);
      // Per caller: sessions sharing a build may have written different code.
      return { ...built, module: await rewriteImports(code, deps.key) };
    } catch (error) {
      return { error: errorText(error) };
    }
  }

  async #build(deps: DependencySet): Promise<Built> {
    const running = this.#running.get(deps.key);
    if (running) return running;
    const job = this.host
      .runFiber(`npm-bundle:${deps.key}`, async (fiber) => {
        fiber.stash({ key: deps.key, packages: deps.packages });
        // The fiber itself settles; a failure is handed back and thrown to the caller below.
        return ensureBundle(deps, this.host.registry, this.host.store).catch((error: unknown) => ({
          failed: errorText(error)
        }));
      })
      .then((outcome) => {
        if ("failed" in outcome) throw new Error(outcome.failed);
        return outcome;
      });
    this.#running.set(deps.key, job);
    try {
      return await job;
    } finally {
      this.#running.delete(deps.key);
    }
  }
}
