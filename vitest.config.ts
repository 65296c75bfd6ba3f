import { generateKeyPairSync } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import agents from "agents/vite";
import { defineConfig } from "vitest/config";

// A throwaway Access signing key per run: tests sign real JWTs with the
// private half; the Worker verifies them against the public half (ACCESS_JWKS).
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicJwk = { ...publicKey.export({ format: "jwk" }), kid: "test-key", alg: "RS256", use: "sig" };
const privateJwk = { ...privateKey.export({ format: "jwk" }), kid: "test-key", alg: "RS256" };

export default defineConfig({
  plugins: [
    // Mirrors wrangler.jsonc's Text rule: Markdown imports are strings.
    {
      name: "markdown-as-text",
      enforce: "pre",
      transform(code: string, id: string) {
        return id.endsWith(".md") ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
      }
    },
    // …and so is a bundled extension's code (the top-level extensions/<name>/extension.js).
    {
      name: "extension-as-text",
      enforce: "pre",
      transform(code: string, id: string) {
        return /\/extensions\/[a-z0-9]+\/extension\.js$/.test(id) && !id.includes("/node_modules/")
          ? { code: `export default ${JSON.stringify(code)};`, map: null }
          : undefined;
      }
    },
    agents(),
    // Tiers 2–3: URLs of the loopback npm registry and website started in test/global-setup.ts.
    // A function so globalSetup's values (the local sandbox's URL and token) become bindings.
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.jsonc" },
      // Facet-only classes need a declaration in the pool (STACK.md).
      additionalExports: { Conversation: "DurableObject", Researcher: "DurableObject", MailReader: "DurableObject" },
      miniflare: {
        bindings: {
          DEV_USER: "dev-tester",
          ACCESS_TEAM_DOMAIN: "https://steward-test.cloudflareaccess.com",
          ACCESS_AUD: "steward-test-aud",
          ACCESS_JWKS: JSON.stringify({ keys: [publicJwk] }),
          TEST_SIGNING_JWK: JSON.stringify(privateJwk),
          NPM_REGISTRY_URL: inject("npmRegistry"),
          // ── Tier 4: the local process sandbox (test/sandbox-setup.ts) ──
          SANDBOX_BACKEND: "process",
          SANDBOX_URL: inject("sandboxUrl"),
          SANDBOX_TOKEN: inject("sandboxToken"),
          SANDBOX_CREDENTIALS: JSON.stringify({ "api.example.com": { authorization: `Bearer ${inject("sandboxSecret")}` } }),
          TEST_SANDBOX_SECRET: inject("sandboxSecret"),
          TEST_LOOPBACK_PORT: String(inject("loopbackPort")),
          EMAIL_DOMAIN: "agents.steward.test",
          // ── Extensions and MCP (test/extensions-setup.ts): the rates API on loopback, plain http to it allowed ──
          EXCHANGE_RATES_URL: `${inject("ratesURL")}/v1`,
          EXTENSION_LOOPBACK_HTTP: "1",
          EXTENSION_TIMEOUT_MS: "4000",
          MCP_TIMEOUT_MS: "3000",
          // Access service tokens → the user each acts for (the task API and /mcp tests).
          ACCESS_SERVICE_TOKENS: JSON.stringify({ "svc-test.access": "svc-owner", "mcp-client.access": "owner-with-service-token" }),
          TWILIO_AUTH_TOKEN: "test-twilio-auth-token"
        }
      }
    }))
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "test/node/**"],
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/global-setup.ts", "test/sandbox-setup.ts", "test/extensions-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
    deps: { optimizer: { ssr: { include: ["ajv"] } } }
  }
});
