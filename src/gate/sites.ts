/**
 * Tier 3's default: ask once per site. When the owner approves a browser call,
 * its site (scheme + host + port) is remembered, and later tier 3 calls on
 * that site run without asking. Changing tier 3's permission forgets them all.
 * Email sessions are not affected: there every tier 3 call waits.
 * The same table remembers an extension's approved hosts (`host:<host>`)
 * and approved MCP servers (`mcp:<server>`).
 */
export class SiteApprovals {
  constructor(private readonly sql: SqlStorage) {}

  has(site: string): boolean {
    return this.sql.exec(`SELECT 1 FROM steward_site_approval WHERE site = ?`, site).toArray().length > 0;
  }

  add(site: string): void {
    this.sql.exec(`INSERT OR IGNORE INTO steward_site_approval (site, approved_at) VALUES (?, ?)`, site, Date.now());
  }

  remove(site: string): void {
    this.sql.exec(`DELETE FROM steward_site_approval WHERE site = ?`, site);
  }

  list(): string[] {
    return this.sql
      .exec<{ site: string }>(`SELECT site FROM steward_site_approval ORDER BY site`)
      .toArray()
      .map((r) => r.site);
  }

  clear(): void {
    this.sql.exec(`DELETE FROM steward_site_approval`);
  }
}

/** The site a URL belongs to (its origin), or null for anything that is not http(s). */
export function siteOf(url: unknown): string | null {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : null;
  } catch {
    return null;
  }
}
