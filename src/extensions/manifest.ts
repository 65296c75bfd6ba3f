import { z } from "zod";
import { EXTENSION_TOOL_PREFIX } from "../shared/tool-facts";
import type { ExtensionReach } from "../shared/tool-facts";

/**
 * An extension's manifest (manifest.json next to its extension.js): what it
 * is, the tools it offers with their input JSON Schemas, and the only things
 * it may reach. Bundled extensions (top-level extensions/) and ones the agent
 * writes into /workspace/.agents/extensions/<name>/ use the same format.
 *
 * Names carry no underscore, so `ext_<name>_<tool>` names one tool only.
 */
const NAME = /^[a-z][a-z0-9]{0,19}$/;
const TOOL = /^[a-z][a-z0-9_]{0,31}$/;
// A host, or host:port; no scheme, path or wildcard: the egress filter matches it exactly.
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/;

const jsonSchemaObject = z
  .looseObject({
    type: z.literal("object"),
    properties: z.record(z.string(), z.unknown()).optional(),
    required: z.array(z.string()).optional()
  })
  .refine((schema) => JSON.stringify(schema).length <= 16_384, "an input schema is larger than 16 KiB");

const manifestSchema = z.strictObject({
  name: z.string().regex(NAME, "name: lowercase letters and digits, starting with a letter, at most 20"),
  version: z.string().min(1).max(40),
  description: z.string().max(500).default(""),
  permissions: z
    .strictObject({
      network: z.array(z.string().toLowerCase().regex(HOST, "network: each entry is a host name or host:port (no scheme, path or *)")).max(5).default([]),
      workspace: z.enum(["none", "read", "read-write"]).default("none")
    })
    .default({ network: [], workspace: "none" }),
  /** Plain settings handed to the code as `steward.config` (e.g. an API's base URL). */
  config: z.record(z.string(), z.string().max(2_000)).default({}),
  tools: z
    .array(
      z.strictObject({
        name: z.string().regex(TOOL, "tool name: lowercase letters, digits and _, starting with a letter, at most 32"),
        description: z.string().min(1).max(2_000),
        inputSchema: jsonSchemaObject
      })
    )
    .min(1)
    .max(20)
});

export type ExtensionManifest = z.infer<typeof manifestSchema>;
export type ExtensionToolSpec = ExtensionManifest["tools"][number];

export type ManifestResult = { ok: true; manifest: ExtensionManifest } | { ok: false; error: string };

export function parseManifest(text: string, expectedName?: string): ManifestResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `manifest.json is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `manifest.json: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}` };
  }
  const manifest = parsed.data;
  if (expectedName !== undefined && manifest.name !== expectedName) {
    return { ok: false, error: `manifest.json names "${manifest.name}" but the folder is "${expectedName}"` };
  }
  const names = manifest.tools.map((t) => t.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) return { ok: false, error: `manifest.json: tool "${duplicate}" is listed twice` };
  return { ok: true, manifest };
}

export function extensionToolName(extension: string, tool: string): string {
  return `${EXTENSION_TOOL_PREFIX}${extension}_${tool}`;
}

export function reachOf(manifest: ExtensionManifest): ExtensionReach {
  return { hosts: manifest.permissions.network, workspace: manifest.permissions.workspace };
}
