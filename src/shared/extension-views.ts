import type { Tier } from "./tiers";

/**
 * Settings → Extensions and Settings → Connections: what the owner reviews
 * before enabling an extension or using an MCP server (src/extensions,
 * src/connectors). Shared with the web app, which imports only src/shared.
 */
export type ExtensionState =
  /** On: offered to sessions (bundled ones are on unless turned off). */
  | "enabled"
  /** Never enabled, or turned off. */
  | "disabled"
  /** Enabled once, but a file changed since: off until the owner approves the new files. */
  | "changed"
  /** Cannot be enabled: its manifest or files are wrong (see `problem`). */
  | "invalid";

export interface ExtensionFileView {
  path: string;
  content: string;
}

export interface ExtensionView {
  name: string;
  source: "bundled" | "workspace";
  /** The workspace folder of one the agent wrote; null for bundled ones. */
  folder: string | null;
  version: string;
  description: string;
  tools: Array<{ name: string; toolName: string; description: string }>;
  permissions: { network: string[]; workspace: "none" | "read" | "read-write" };
  /** Tier its tools run at: 1 without network, 3 with (asked once per host). */
  tier: Tier;
  /** Every file, as reviewed: enabling is bound to this exact content (its digest). */
  files: ExtensionFileView[];
  digest: string;
  state: ExtensionState;
  problem: string | null;
}

export interface ConnectionToolView {
  /** The name the server gives it. */
  name: string;
  /** The name sessions see: mcp_<connection>_<tool>. */
  toolName: string;
  description: string;
}

export interface ConnectionView {
  id: string;
  url: string;
  /** ready, authenticating, connecting, failed… (the MCP client's state). */
  state: string;
  error: string | null;
  /** Where the owner signs in, while the server waits for OAuth. */
  authUrl: string | null;
  tools: ConnectionToolView[];
  /** The owner allowed its calls without asking (in web sessions; email and schedules still ask). */
  trusted: boolean;
}
