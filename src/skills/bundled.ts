import { skills } from "@cloudflare/think";
import type { SkillSource } from "@cloudflare/think";
import type { SkillManifestEntry } from "agents/skills";
import workspaceDigest from "../../skills/workspace-digest/SKILL.md";

/**
 * Skills that ship with Steward (the top-level skills/ folder, bundled as text
 * by wrangler's Text rule). They are parsed once per isolate; a broken
 * SKILL.md fails loudly at start-up rather than silently disappearing.
 */
const BUNDLED: ReadonlyArray<{ directory: string; markdown: string }> = [{ directory: "workspace-digest", markdown: workspaceDigest }];

let entries: SkillManifestEntry[] | undefined;

export function bundledSkills(): SkillSource {
  entries ??= BUNDLED.map(({ directory, markdown }) => {
    const parsed = skills.parseSkill(markdown, { directory });
    if (!parsed.ok) throw new Error(`skills/${directory}/SKILL.md: ${parsed.error.message}`);
    const { name, description, body } = parsed.value;
    return { name, description, body };
  });
  return skills.manifest({ id: "steward:bundled", skills: entries });
}
