declare namespace Cloudflare {
  interface Env {
    /** Private half of the test Access key (test pool only). */
    TEST_SIGNING_JWK: string;
  }
  interface GlobalProps {
    mainModule: typeof import("../src/server");
  }
}
