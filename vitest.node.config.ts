import { defineConfig } from "vitest/config";

/**
 * Node-side tests of code that needs Node-only libraries: the OpenAPI
 * document is validated with an ajv-based validator, which compiles schemas
 * with `new Function` (refused in workerd). Fast: no Worker runtime starts.
 */
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000
  }
});
