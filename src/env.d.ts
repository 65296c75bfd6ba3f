// Bindings and settings the Worker reads. Every setting is optional: with none
// of them Steward runs locally on the offline command model and a dev user.
declare namespace Cloudflare {
  interface Env {
    Assistant: DurableObjectNamespace<import("./assistant/assistant").Assistant>;
    LOADER: WorkerLoader;
    ASSETS?: Fetcher;
    AI?: Ai;

    // Identity (src/auth.ts)
    DEV_USER?: string;
    ACCESS_TEAM_DOMAIN?: string;
    ACCESS_AUD?: string;
    /** Inline JWKS (JSON) instead of fetching the team's certs; pins keys. */
    ACCESS_JWKS?: string;
    /** Extra origins allowed to open the chat WebSocket (comma separated). */
    ALLOWED_ORIGINS?: string;

    // Models (src/model/config.ts)
    MODEL_PROVIDER?: string;
    MODEL?: string;
    AI_GATEWAY_ID?: string;
    CF_ACCOUNT_ID?: string;
    CF_AIG_TOKEN?: string;
    MODEL_BASE_URL?: string;
    MODEL_API_KEY?: string;

    // Email (src/channels/email)
    /** Address → user directory (one instance); holds the key that makes addresses unguessable. */
    EMAIL_DIRECTORY: DurableObjectNamespace<import("./channels/email/directory").EmailDirectory>;
    /** Outbound mail (a send_email binding); replies and the send_email tool. */
    EMAIL?: SendEmail;
    /** Domain of agent addresses, routed to this Worker by Email Routing. Default steward.localhost. */
    EMAIL_DOMAIN?: string;
    /** Trust only the Authentication-Results header written by this server (default: the topmost one). */
    EMAIL_AUTHSERV_ID?: string;
    /** Local dev only: the dev user's own address, treated as a verified owner address. */
    DEV_USER_EMAIL?: string;
  }
}

type Env = Cloudflare.Env;

// SKILL.md and other Markdown bundled as text (wrangler.jsonc "rules").
declare module "*.md" {
  const text: string;
  export default text;
}
