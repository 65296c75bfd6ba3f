import { tool } from "ai";
import type { ToolSet } from "ai";
import { z } from "zod";

/** What the send_email tool needs from the user's Assistant. */
export interface MailHost {
  sendEmailFromTool(mail: { key: string; to: string; subject: string; text: string; session: string }): Promise<SendToolResult>;
}

export type SendToolResult = { ok: true; status: "sent"; to: string; messageId: string } | { ok: false; error: string };

/**
 * send_email: mail from the agent's own address. Whether it waits for the
 * owner is the gate's decision (src/gate/decide.ts): mail to the owner's own
 * or allowed addresses does not, anyone else's does, and in email and
 * scheduled sessions every send waits.
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
      execute: async ({ to, subject, text }, { toolCallId }) =>
        (await host()).sendEmailFromTool({ key: `tool:${session()}:${toolCallId}`, to, subject, text, session: session() })
    })
  };
}
