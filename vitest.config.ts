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
          TWILIO_AUTH_TOKEN: "test-twilio-auth-token"
        }
      }
    }))
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**"],
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/global-setup.ts", "test/sandbox-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
    deps: { optimizer: { ssr: { include: ["ajv"] } } }
  }
});
