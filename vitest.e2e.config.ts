import { defineConfig } from "vitest/config";

// End-to-end tests: plain Node (not the Workers pool) driving `wrangler dev`
// with Debian's Chromium. Run with `npm run test:e2e`.
export default defineConfig({
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    globalSetup: ["test/e2e/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000
  }
});
