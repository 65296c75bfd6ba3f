import { tool } from "ai";
import type { ModelMessage, ToolSet } from "ai";
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
export function emailTools(
  host: () => Promise<MailHost>,
  session: () => string,
  /**
   * The call's key in its turn (src/ladder/journal-call.ts): a call a crash
   * interrupted and the model re-issues (new tool call id, same input) maps to
   * the same send-once key, so the mail goes out once.
   */
  callKey?: (input: unknown, options: { toolCallId: string; messages?: ModelMessage[] }) => Promise<string>
): ToolSet {
  return {
    send_email: tool({
      description: "Send an email from the agent's own address. Mail to anyone not on the owner's allowed-recipients list waits for the owner's approval.",
      inputSchema: z.object({
        to: z.string().min(3).max(254),
        subject: z.string().min(1).max(200),
        text: z.string().min(1).max(100_000)
      }),
      execute: async ({ to, subject, text }, options) => {
        const key = callKey ? `tool:${session()}:${await callKey({ to, subject, text }, options)}` : `tool:${session()}:${options.toolCallId}`;
        return (await host()).sendEmailFromTool({ key, to, subject, text, session: session() });
      }
    })
  };
}
