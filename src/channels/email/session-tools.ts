import { tool } from "ai";
import type { ToolSet } from "ai";
import { z } from "zod";
import { emailNeedsApproval } from "./approval";

/** What the send_email tool needs from the user's Assistant. */
export interface MailHost {
  emailRecipientAllowed(to: string): Promise<boolean> | boolean;
  sendEmailFromTool(mail: { key: string; to: string; subject: string; text: string; session: string }): Promise<SendToolResult>;
}

export type SendToolResult = { ok: true; status: "sent"; to: string; messageId: string } | { ok: false; error: string };

/**
 * send_email: mail from the agent's own address. Recipients on the owner's
 * allowlist (and the owner) need no approval; anyone else waits for it.
 * In email sessions every send waits (see emailGate).
 */
export function emailTools(host: () => Promise<MailHost>, session: () => string): ToolSet {
  return {
    send_email: tool({
      description: "Send an email from the agent's own address. Mail to anyone not on the owner's allowed-recipients list waits for the owner's approval.",
      inputSchema: z.object({
        to: z.string().min(3).max(254),
        subject: z.string().min(1).max(200),
        text: z.string().min(1).max(100_000)
      }),
      needsApproval: async ({ to }) => !(await (await host()).emailRecipientAllowed(to)),
      execute: async ({ to, subject, text }, { toolCallId }) =>
        (await host()).sendEmailFromTool({ key: `tool:${session()}:${toolCallId}`, to, subject, text, session: session() })
    })
  };
}

/** In an email session: every tool with effects needs the owner's approval. */
export function emailGate(tools: ToolSet, names: string[], ask: (tool: string) => ApprovalAsk): ToolSet {
  const gated: ToolSet = {};
  for (const name of names) {
    const definition = tools[name];
    if (!definition) continue;
    if (name === "delegate") {
      // Depends on which sub-agent: read-only ones run, others wait.
      const needsApproval: ApprovalAsk = async (input, options) => emailNeedsApproval(name, input) && ask(name)(input, options);
      gated[name] = { ...definition, needsApproval } as ToolSet[string];
    } else if (emailNeedsApproval(name)) {
      gated[name] = { ...definition, needsApproval: ask(name) } as ToolSet[string];
    }
  }
  return gated;
}

/** A tool's needsApproval that records the call's digest before asking (src/ladder/approvals.ts). */
export type ApprovalAsk = (input: unknown, options: { toolCallId: string }) => Promise<boolean>;
