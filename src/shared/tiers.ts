/**
 * The execution ladder. The agent starts at the lowest tier that can do a job
 * and climbs only when a tier lacks a capability; each tier has a per-user
 * permission. Shared with the web app (src/shared is its only window on the
 * server), so policy, prompts and the UI speak of the same ladder.
 */
export type Tier = 0 | 1 | 2 | 3 | 4;
export type Permission = "allow" | "ask" | "deny";

export interface TierSpec {
  tier: Tier;
  name: string;
  does: string;
  runsOn: string;
  defaultPermission: Permission;
  available: boolean;
}

export const TIERS: readonly TierSpec[] = [
  {
    tier: 0,
    name: "workspace",
    does: "read, write, edit, find, grep and delete files",
    runsOn: "the agent's SQLite workspace",
    defaultPermission: "allow",
    available: true
  },
  {
    tier: 1,
    name: "isolate",
    does: "run JavaScript against the workspace, no network",
    runsOn: "a Dynamic Worker with no outbound access",
    defaultPermission: "allow",
    available: true
  },
  {
    tier: 2,
    name: "npm",
    does: "tier 1 plus packages from the npm registry",
    runsOn: "a bundled Dynamic Worker",
    defaultPermission: "allow",
    available: true
  },
  {
    tier: 3,
    name: "browser",
    does: "navigate, read, click, fill and screenshot web pages",
    runsOn: "Browser Run (a real Chromium)",
    defaultPermission: "ask",
    available: true
  },
  {
    tier: 4,
    name: "container",
    does: "shell, git, compilers and test runners",
    runsOn: "a Linux container sandbox",
    defaultPermission: "ask",
    available: true
  }
];

export function tierSpec(tier: Tier): TierSpec {
  const spec = TIERS[tier];
  if (!spec) throw new Error(`no tier ${tier}`);
  return spec;
}
