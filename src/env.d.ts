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

    // Spend and abuse limits per user (src/limits/usage.ts); "0" = unlimited.
    /** Turns that may reach the model in any minute (default 20). */
    TURNS_PER_MINUTE?: string;
    /** Model tokens (input + output) per UTC day (default 2000000). */
    TOKENS_PER_DAY?: string;

    // Tiers 2–3 (src/ladder/npm.ts, src/ladder/browser.ts)
    /** npm registry for tier 2 (default https://registry.npmjs.org). */
    NPM_REGISTRY_URL?: string;
    /** Browser Run (tier 3); locally it drives Debian's Chromium (scripts/setup-chromium.mjs). */
    BROWSER?: Fetcher;
    // Tier 4 sandbox (src/ladder/sandbox/): which backend runs is configuration
    /** "container" (production, the Sandbox binding) or "process" (local sandbox server). */
    SANDBOX_BACKEND?: string;
    SANDBOX_URL?: string;
    SANDBOX_TOKEN?: string;
    Sandbox?: DurableObjectNamespace<import("./ladder/sandbox/sandbox-class").Sandbox>;
    SANDBOX_SLEEP_AFTER?: string;
    /** Hosts the container may reach (comma separated; "*.example.com" allowed). */
    SANDBOX_ALLOWED_HOSTS?: string;
    /** Secret: JSON {host: {header: value}} added to the container's requests to those hosts, outside the container. */
    SANDBOX_CREDENTIALS?: string;
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
    // Voice calls (src/voice/providers.ts): speech providers by configuration
    /** "flux" (default with AI), "nova-3" or "local" (the speech server). */
    VOICE_STT?: string;
    /** "aura" (default with AI) or "local". */
    VOICE_TTS?: string;
    /** The local speech server `npm run dev` starts (scripts/speech-server.mjs). */
    SPEECH_SERVER_URL?: string;
    SPEECH_SERVER_TOKEN?: string;
    // Phone calls (src/channels/phone): Twilio Media Streams
    PHONE_DIRECTORY: DurableObjectNamespace<import("./channels/phone/directory").PhoneDirectory>;
    /** Secret: the Twilio account's auth token; webhooks whose X-Twilio-Signature does not verify are refused. */
    TWILIO_AUTH_TOKEN?: string;
  }
}

type Env = Cloudflare.Env;

// SKILL.md and other Markdown bundled as text (wrangler.jsonc "rules").
declare module "*.md" {
  const text: string;
  export default text;
}
