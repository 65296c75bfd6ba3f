declare namespace Cloudflare {
  interface Env {
    /** Private half of the test Access key (test pool only). */
    TEST_SIGNING_JWK: string;
    /** Tier 4 tests: a secret given to the sandbox server and to egress credentials; must never surface. */
    TEST_SANDBOX_SECRET: string;
    /** Tier 4 tests: a loopback port the sandbox must not reach. */
    TEST_LOOPBACK_PORT: string;
  }
  interface GlobalProps {
    mainModule: typeof import("../src/server");
  }
}
