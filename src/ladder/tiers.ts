/**
 * The execution ladder. The agent starts at the lowest tier that can do a job
 * and climbs only when a tier lacks a capability; each tier has a per-user
 * permission. Tiers 2–4 are declared here so policy, prompts and the UI speak
 * of the whole ladder; their tools arrive with their own modules.
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

/** Which tier each tool belongs to. Bookkeeping tools (tiers, audit, delegate, skills) read only the agent's own state. */
const TOOL_TIERS: Record<string, Tier> = {
  read: 0,
  ls: 0,
  find: 0,
  grep: 0,
  write: 0,
  edit: 0,
  delete: 0,
  show_tiers: 0,
  show_audit: 0,
  delegate: 0,
  activate_skill: 0,
  read_skill_resource: 0,
  run_code: 1,
  // ── Tiers 2–3: npm and browser ──
  run_npm: 2,
  browse: 3,
  browser_read: 3,
  browser_extract: 3,
  browser_click: 3,
  browser_fill: 3,
  browser_screenshot: 3,
  browser_download: 3,
  // ── Tier 4 ──
  run_shell: 4,
  // Scheduled tasks (src/schedules): the agent's own bookkeeping.
  schedule_task: 0,
  list_tasks: 0,
  update_task: 0,
  manage_task: 0
};

/** null: a tool outside the ladder (none yet); policy treats it as tier 0. */
export function tierOfTool(toolName: string): Tier | null {
  return TOOL_TIERS[toolName] ?? null;
}
