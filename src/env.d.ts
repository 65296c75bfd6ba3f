// Settings the Worker reads that wrangler.jsonc does not declare: every one is
// optional (with none of them Steward runs locally on the offline command
// model and a dev user), set in .dev.vars locally and as vars or secrets in a
// deployment. Bindings and declared vars are generated from wrangler.jsonc
// into worker-configuration.d.ts (`npm run types`; `npm test` fails when it drifts).
interface StewardSettings {
  AI?: Ai;

  // Identity (src/auth.ts)
  DEV_USER?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  /** Inline JWKS (JSON) instead of fetching the team's certs; pins keys. */
  ACCESS_JWKS?: string;
  /** JSON {"<service token client id>": "<owner's Access sub>"}: machines using the task API act for that user. */
  ACCESS_SERVICE_TOKENS?: string;
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
  /** Models tried in order when the primary fails before any output: "provider:model,…" (src/model/fallback.ts). */
  MODEL_FALLBACKS?: string;
  /** "true" when the model takes images: chat image attachments reach it as images (else as a note with the path). */
  MODEL_ACCEPTS_IMAGES?: string;

  // Tiers 2–4 (src/ladder)
  /** npm registry for tier 2 (default https://registry.npmjs.org). */
  NPM_REGISTRY_URL?: string;
  SANDBOX_URL?: string;
  SANDBOX_TOKEN?: string;
  SANDBOX_SLEEP_AFTER?: string;
  /** Secret: JSON {host: {header: value}} added to the container's requests to those hosts, outside the container. */
  SANDBOX_CREDENTIALS?: string;

  // Email (src/channels/email)
  /** Domain of agent addresses, routed to this Worker by Email Routing. Default steward.localhost. */
  EMAIL_DOMAIN?: string;
  /** Trust only the Authentication-Results header written by this server (default: the topmost one). */
  EMAIL_AUTHSERV_ID?: string;
  /** Local dev only: the dev user's own address, treated as a verified owner address. */
  DEV_USER_EMAIL?: string;

  // Web push (src/push): the deployment's VAPID key pair; without them one is generated and kept per deployment.
  VAPID_PUBLIC_KEY?: string;
  /** Secret. */
  VAPID_PRIVATE_KEY?: string;
  /** mailto: or https: contact for push services. */
  VAPID_SUBJECT?: string;

  // Extensions and MCP (src/extensions, src/connectors, src/mcp)
  /** Base URL of the bundled rates extension's API (default https://api.frankfurter.dev/v1); its host is the one it may reach. */
  EXCHANGE_RATES_URL?: string;
  /** "1" lets extensions use plain http to a declared loopback host (tests, local benches); never in production. */
  EXTENSION_LOOPBACK_HTTP?: string;
  /** Time limit of one extension tool call in ms (default 10000). */
  EXTENSION_TIMEOUT_MS?: string;
  /** Time limit of one MCP tool call in ms (default 30000). */
  MCP_TIMEOUT_MS?: string;

  // Voice calls (src/voice/providers.ts): speech providers by configuration
  /** "flux" (default with AI), "nova-3" or "local" (the speech server). */
  VOICE_STT?: string;
  /** "aura" (default with AI) or "local". */
  VOICE_TTS?: string;
  /** The local speech server `npm run dev` starts (scripts/speech-server.mjs). */
  SPEECH_SERVER_URL?: string;
  SPEECH_SERVER_TOKEN?: string;
  // Phone calls (src/channels/phone): Twilio Media Streams
  /** Secret: the Twilio account's auth token; webhooks whose X-Twilio-Signature does not verify are refused. */
  TWILIO_AUTH_TOKEN?: string;
}

declare namespace Cloudflare {
  interface Env extends StewardSettings {}
}

/** Generated with --env-interface GeneratedEnv, so `Env` stays this one alias (tests add their bindings to Cloudflare.Env). */
type Env = Cloudflare.Env;

// SKILL.md and other Markdown bundled as text (wrangler.jsonc "rules").
declare module "*.md" {
  const text: string;
  export default text;
}

// Bundled extensions' code, imported as text (wrangler.jsonc "rules"); it runs only in a Dynamic Worker.
declare module "*/extension.js" {
  const text: string;
  export default text;
}
