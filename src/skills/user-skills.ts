import { skills } from "@cloudflare/think";
import type { SkillSource } from "@cloudflare/think";
import { SkillSourceError } from "agents/skills";
import type { SkillListing, SkillName, SkillResource, SkillResourcePath } from "agents/skills";
import type { Workspace } from "@cloudflare/computer";

/** Where users keep their own skills (Think's default root). */
export const USER_SKILLS_ROOT = "/workspace/.agents/skills";

/**
 * The user's own skills, indexed once per workspace change. Think lists its
 * skill sources before every turn; listing the workspace from a session facet
 * means a `find` over RPC and a read of every SKILL.md, every turn. The
 * Assistant owns the workspace and knows when it may have changed (it bumps
 * `workspaceVersion` after every tool call and upload), so it keeps the
 * listing and hands sessions a copy only when the version moved.
 */
export class UserSkillIndex {
  readonly #source: SkillSource;
  #cached?: { version: number; listing: SkillListing };

  constructor(workspace: Workspace) {
    this.#source = skills.workspace(workspace, { id: "workspace", root: USER_SKILLS_ROOT });
  }

  async listing(version: number): Promise<SkillListing> {
    if (this.#cached?.version !== version) {
      const result = await this.#source.list();
      if (!result.ok) throw result.error;
      this.#cached = { version, listing: result.value };
    }
    return this.#cached.listing;
  }

  /** One file of a skill; an error's message crosses RPC as text. */
  async resource(skill: string, path: string): Promise<{ ok: true; value: SkillResource } | { ok: false; error: string }> {
    // Think branded both on the session's side; brands do not survive RPC.
    const result = await this.#source.readResource(skill as SkillName, path as SkillResourcePath);
    return result.ok ? result : { ok: false, error: result.error.message };
  }
}

/** What a session facet needs from its Assistant to serve the user's skills. */
export interface SkillIndexHost {
  /** The listing this turn (fetched with the turn's permissions, in one call). */
  listing(): Promise<SkillListing>;
  resource(skill: string, path: string): Promise<{ ok: true; value: SkillResource } | { ok: false; error: string }>;
}

/** A session's view of the user's skills: a SkillSource backed by the Assistant's index. */
export function userSkillsSource(host: SkillIndexHost): SkillSource {
  const id = "workspace";
  return {
    id,
    async list() {
      try {
        return { ok: true, value: await host.listing() };
      } catch (cause) {
        return { ok: false, error: new SkillSourceError(id, "list", cause) };
      }
    },
    async readResource(skill, path) {
      const result = await host.resource(skill, path);
      return result.ok ? result : { ok: false, error: new SkillSourceError(id, "read-resource", new Error(result.error)) };
    }
  };
}
