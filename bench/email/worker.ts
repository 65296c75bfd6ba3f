/**
 * Bench-only Worker: Steward's real entry, unchanged (its email() handler,
 * Assistant, facets), plus /bench/* routes the runner uses to set up users,
 * pick the reading mode and count replies. Outbound mail is counted at the
 * binding seam instead of being written to disk. Not deployed.
 */
import { getAgentByName } from "agents";
import steward from "../../src/server";
import type { Assistant } from "../../src/assistant/assistant";
import { mailTransport } from "../../src/channels/email/outbound";
import { emailHooks } from "../../src/channels/email/inbox";

export { Assistant, Conversation, Researcher, MailReader, EmailDirectory } from "../../src/server";

const replies: Array<{ inReplyTo: string; at: number }> = [];
mailTransport.current = {
  async send(message: EmailMessage | EmailMessageBuilder) {
    const headers = "headers" in message ? (message.headers ?? {}) : {};
    replies.push({ inReplyTo: headers["In-Reply-To"] ?? "", at: Date.now() });
    return { messageId: `<bench-${replies.length}@bench>` };
  }
} as SendEmail;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/bench/setup") {
      const user = url.searchParams.get("user") ?? "";
      const assistant = await getAgentByName(env.Assistant as DurableObjectNamespace<Assistant>, `bench:${user}`);
      await assistant.addOwnerEmailAddress(url.searchParams.get("owner") ?? "");
      await assistant.setEmailSendLimit(1000);
      return Response.json(await assistant.getEmailSettings());
    }
    if (url.pathname === "/bench/mode") {
      emailHooks.directReading = url.searchParams.get("reading") === "direct";
      return Response.json({ directReading: emailHooks.directReading });
    }
    if (url.pathname === "/bench/replies") {
      const since = Number(url.searchParams.get("since") ?? 0);
      return Response.json(replies.slice(since));
    }
    return steward.fetch(request, env);
  },
  email: steward.email
} satisfies ExportedHandler<Env>;
