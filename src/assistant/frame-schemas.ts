import { z } from "zod";
import { MAX_JSON_DEPTH, firstIssue, nestsDeeperThan } from "./input-problem";

/**
 * What a conversation socket accepts, frame by frame. The shapes follow what
 * `useAgentChat` (agents/chat/react, ws-chat-transport) sends and what
 * `parseProtocolMessage` (agents/chat) reads; anything a turn would later
 * trip over (an unknown role, a non-string text, a malformed client tool) is
 * refused here, before Think stores it.
 */

const MAX_ID = 256;
/** Tool names as providers accept them (OpenAI's rule, the strictest common one). */
export const TOOL_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const MAX_CLIENT_TOOLS = 32;

const id = z.string().min(1).max(MAX_ID);
const record = z.record(z.string(), z.unknown());
const providerMetadata = z.record(z.string(), record);
const url = z.string().refine(isUrl, "must be a URL");

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

// ── UIMessage parts (ai's UIMessagePart; every kind convertToModelMessages reads) ──

const textPart = z.object({
  type: z.literal("text"),
  text: z.string(),
  state: z.enum(["streaming", "done"]).optional(),
  providerMetadata: providerMetadata.optional()
});
const filePart = z.object({
  type: z.literal("file"),
  mediaType: z.string().min(1),
  filename: z.string().optional(),
  url,
  providerMetadata: providerMetadata.optional()
});
const approval = z.object({
  id: z.string(),
  approved: z.boolean().optional(),
  reason: z.string().optional(),
  requestReason: z.string().optional(),
  isAutomatic: z.boolean().optional(),
  signature: z.string().optional()
});
const toolCall = {
  toolCallId: id,
  state: z.enum(["input-streaming", "input-available", "approval-requested", "approval-responded", "output-available", "output-error", "output-denied"]),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  title: z.string().optional(),
  providerExecuted: z.boolean().optional(),
  preliminary: z.boolean().optional(),
  approval: approval.optional(),
  callProviderMetadata: providerMetadata.optional(),
  resultProviderMetadata: providerMetadata.optional()
};

const PART_SCHEMAS: Record<string, z.ZodType> = {
  text: textPart,
  file: filePart,
  reasoning: z.object({
    type: z.literal("reasoning"),
    text: z.string(),
    state: z.enum(["streaming", "done"]).optional(),
    providerMetadata: providerMetadata.optional()
  }),
  "reasoning-file": z.object({ type: z.literal("reasoning-file"), mediaType: z.string().min(1), url }),
  custom: z.object({ type: z.literal("custom"), kind: z.string().min(1) }),
  "source-url": z.object({ type: z.literal("source-url"), sourceId: z.string(), url: z.string(), title: z.string().optional() }),
  "source-document": z.object({
    type: z.literal("source-document"),
    sourceId: z.string(),
    mediaType: z.string(),
    title: z.string(),
    filename: z.string().optional()
  }),
  "step-start": z.object({ type: z.literal("step-start") }),
  "steering-message": z.object({ type: z.literal("steering-message"), id, parts: z.array(z.union([textPart, filePart])) }),
  "dynamic-tool": z.object({ type: z.literal("dynamic-tool"), toolName: z.string().regex(TOOL_NAME), ...toolCall })
};
const staticToolPart = z.object({ type: z.string().regex(/^tool-[A-Za-z_][A-Za-z0-9_-]{0,63}$/, "not a tool name"), ...toolCall });
const dataPart = z.object({ type: z.string().regex(/^data-./), id: z.string().optional(), data: z.unknown() });

function partSchema(type: string): z.ZodType | undefined {
  if (type.startsWith("tool-")) return staticToolPart;
  if (type.startsWith("data-")) return dataPart;
  return Object.hasOwn(PART_SCHEMAS, type) ? PART_SCHEMAS[type] : undefined;
}

export const uiPartSchema = z.looseObject({ type: z.string() }).superRefine((part, ctx) => {
  const schema = partSchema(part.type);
  if (!schema) {
    ctx.addIssue({ code: "custom", message: `unknown part type ${JSON.stringify(part.type.slice(0, 40))}`, path: ["type"] });
    return;
  }
  const parsed = schema.safeParse(part);
  for (const issue of parsed.success ? [] : parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
});

export const uiMessageSchema = z.object({
  id,
  role: z.enum(["user", "assistant", "system"]),
  parts: z.array(uiPartSchema).max(5_000),
  metadata: z.unknown().optional()
});

// ── Client tools (wire ClientToolSchema: { name, description?, parameters? }) ──

const propertySchema = z.looseObject({});
export const clientToolSchema = z.strictObject({
  name: z.string().regex(TOOL_NAME, "a tool name is a letter or _ then up to 63 letters, digits, _ or -"),
  description: z.string().max(4_000).optional(),
  parameters: z
    .looseObject({
      type: z.literal("object").optional(),
      properties: z.record(z.string(), propertySchema).optional(),
      required: z.array(z.string()).optional(),
      additionalProperties: z.union([z.boolean(), propertySchema]).optional(),
      description: z.string().optional()
    })
    .optional()
});
export const clientToolsSchema = z.array(clientToolSchema).max(MAX_CLIENT_TOOLS);

// ── Frames ──

/** The body of `cf_agent_use_chat_request` (init.body, a JSON string): what the transport sends, nothing more. */
export const chatBodySchema = z.strictObject({
  messages: z.array(uiMessageSchema).min(1).max(10_000),
  trigger: z.enum(["submit-message", "regenerate-message"]).optional(),
  clientTools: clientToolsSchema.optional()
});

export const FRAME_SCHEMAS = {
  cf_agent_use_chat_request: z.object({
    type: z.literal("cf_agent_use_chat_request"),
    id,
    init: z.object({ method: z.literal("POST"), body: z.string() })
  }),
  cf_agent_tool_result: z.object({
    type: z.literal("cf_agent_tool_result"),
    toolCallId: id,
    toolName: z.string().max(64).optional(),
    output: z.unknown().optional(),
    state: z.enum(["output-available", "output-error"]).optional(),
    errorText: z.string().max(10_000).optional(),
    autoContinue: z.boolean().optional(),
    clientTools: clientToolsSchema.optional()
  }),
  cf_agent_tool_approval: z.object({
    type: z.literal("cf_agent_tool_approval"),
    toolCallId: id,
    approved: z.boolean(),
    autoContinue: z.boolean().optional()
  }),
  cf_agent_chat_clear: z.object({ type: z.literal("cf_agent_chat_clear") }),
  cf_agent_chat_request_cancel: z.object({ type: z.literal("cf_agent_chat_request_cancel"), id }),
  cf_agent_stream_resume_request: z.object({ type: z.literal("cf_agent_stream_resume_request"), probeId: z.string().max(MAX_ID).optional() }),
  cf_agent_stream_resume_ack: z.object({ type: z.literal("cf_agent_stream_resume_ack"), id })
} as const;

/** Frames the agents protocol knows but a conversation refuses from a client, and why. */
const REFUSED: Record<string, string> = {
  cf_agent_state: "a conversation has no client state; nothing was stored",
  rpc: "a conversation socket takes chat frames only; call methods on the agent socket (/agent)",
  cf_agent_chat_messages: "the transcript is kept by the server; send a message with cf_agent_use_chat_request"
};

/** What a conversation knows about itself when checking a frame. */
export interface ChatInputContext {
  /** Tool names the server owns (getTools, Think's workspace and skill tools): a client tool may not take one. */
  serverTools(): ReadonlySet<string>;
  /** The role of a stored message, or undefined if no message has this id. */
  storedRole(id: string): string | undefined;
  /** The tool a stored tool call belongs to, or undefined if none is stored with this id. */
  toolOfCall(toolCallId: string): string | undefined;
}

type ClientTools = z.infer<typeof clientToolsSchema>;

/**
 * Why a conversation refuses a (well-formed JSON object) frame, or null.
 * `frameProblem` in conversation.ts has already checked size, text and JSON.
 */
export function chatFrameProblem(message: string, context: ChatInputContext): string | null {
  const frame = JSON.parse(message) as { type: string };
  if (nestsDeeperThan(frame, MAX_JSON_DEPTH)) return `frame nests deeper than ${MAX_JSON_DEPTH} levels`;
  const type = frame.type;
  if (Object.hasOwn(REFUSED, type)) return `${type} refused: ${REFUSED[type]}`;
  if (!Object.hasOwn(FRAME_SCHEMAS, type)) return `unknown frame type ${JSON.stringify(type.slice(0, 60))}`;
  const parsed = FRAME_SCHEMAS[type as keyof typeof FRAME_SCHEMAS].safeParse(frame);
  if (!parsed.success) return firstIssue(parsed.error, `${type}: `);
  const data = parsed.data;
  if (data.type === "cf_agent_use_chat_request") return chatBodyProblem(data.init.body, context);
  if (data.type === "cf_agent_tool_result") {
    const owner = context.toolOfCall(data.toolCallId) ?? data.toolName ?? "";
    if (context.serverTools().has(owner)) return `cf_agent_tool_result: ${owner} is a server tool; only client tools take results from the client`;
    return clientToolsProblem(data.clientTools, context, "cf_agent_tool_result: ");
  }
  return null;
}

function chatBodyProblem(body: string, context: ChatInputContext): string | null {
  const prefix = "cf_agent_use_chat_request: ";
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `${prefix}init.body is not valid JSON`;
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) return `${prefix}init.body nests deeper than ${MAX_JSON_DEPTH} levels`;
  const result = chatBodySchema.safeParse(parsed);
  if (!result.success) return firstIssue(result.error, prefix);
  for (const [index, message] of result.data.messages.entries()) {
    // System notes are written by the server; a client may echo a stored one back, never add one.
    if (message.role === "system" && context.storedRole(message.id) !== "system") {
      return `${prefix}messages[${index}].role: a client may not add a system message`;
    }
  }
  return clientToolsProblem(result.data.clientTools, context, prefix);
}

function clientToolsProblem(tools: ClientTools | undefined, context: ChatInputContext, prefix: string): string | null {
  if (!tools?.length) return null;
  const seen = new Set<string>();
  const server = context.serverTools();
  for (const [index, tool] of tools.entries()) {
    if (server.has(tool.name)) return `${prefix}clientTools[${index}].name: ${tool.name} is a server tool; a client tool may not replace it`;
    if (seen.has(tool.name)) return `${prefix}clientTools[${index}].name: ${tool.name} is declared twice`;
    seen.add(tool.name);
  }
  return null;
}
