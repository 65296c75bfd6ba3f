import { TIERS, tierSpec } from "../shared/tiers";
import type { Permission, Tier } from "../shared/tiers";

/**
 * Per-user permission for each tier, stored in the user's Assistant and read
 * by the Gate (src/gate/gate.ts), the one place that decides whether a call
 * may run, so every tier and every entry path is held to the same rule.
 */
export class TierPolicy {
  constructor(private readonly sql: SqlStorage) {}

  permission(tier: Tier): Permission {
    const row = this.sql.exec<{ permission: string }>(`SELECT permission FROM steward_tier_permission WHERE tier = ?`, tier).toArray()[0];
    return isPermission(row?.permission) ? row.permission : tierSpec(tier).defaultPermission;
  }

  all(): Record<Tier, Permission> {
    return Object.fromEntries(TIERS.map((t) => [t.tier, this.permission(t.tier)])) as Record<Tier, Permission>;
  }

  set(tier: number, permission: string): void {
    if (!isTier(tier)) throw new Error(`tier must be 0, 1, 2, 3 or 4; got ${String(tier)}`);
    if (!isPermission(permission)) throw new Error(`permission must be allow, ask or deny; got ${String(permission)}`);
    this.sql.exec(
      `INSERT INTO steward_tier_permission (tier, permission) VALUES (?, ?)
       ON CONFLICT(tier) DO UPDATE SET permission = excluded.permission`,
      tier,
      permission
    );
  }
}

export function isTier(value: unknown): value is Tier {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 4;
}

export function isPermission(value: unknown): value is Permission {
  return value === "allow" || value === "ask" || value === "deny";
}

export function formatTiers(permissions: Record<Tier, Permission>): string {
  return [
    "Execution ladder (lowest tier that can do the job first):",
    ...TIERS.map((t) => {
      const state = t.available ? permissions[t.tier] : "not installed yet";
      return `  ${t.tier} ${t.name.padEnd(9)} ${state.padEnd(17)} ${t.does} — ${t.runsOn}`;
    })
  ].join("\n");
}
