import { defineConfig } from "vitest/config";

/**
 * Node-side tests of code that needs Node: the OpenAPI document is validated
 * with an ajv-based validator, which compiles schemas with `new Function`
 * (refused in workerd); the container job script is run by a real `sh`.
 * Fast: no Worker runtime starts.
 */
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000
  }
});
