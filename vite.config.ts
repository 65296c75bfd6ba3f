import { defineConfig } from "vite";
import type { Plugin } from "vite";
import { staticHeadersFile } from "./src/http/security-headers";

// The chat page. `npm run build` writes it to dist/client, which wrangler.jsonc
// serves as static assets (the Worker answers /agent* and /api/* first).
/**
 * dist/client/_headers: the static assets layer serves the app's HTML without
 * running the Worker, so it gets the security headers (CSP etc.) from this file,
 * written from the same definition the Worker uses (src/http/security-headers.ts).
 */
function securityHeaders(): Plugin {
  return {
    name: "steward-security-headers",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "_headers", source: staticHeadersFile() });
    }
  };
}

export default defineConfig({
  root: ".",
  publicDir: false,
  // Vite 8 compiles TSX with oxc; no React plugin is needed for a build.
  oxc: { jsx: { runtime: "automatic" } },
  plugins: [securityHeaders()],
  build: {
    outDir: "dist/client",
    emptyOutDir: true,
    sourcemap: true,
    // react-dom + the AI SDK's UI layer (with zod) + agents: ≈ 540 kB minified, ≈ 160 kB gzipped.
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      input: "index.html",
      onwarn(warning, warn) {
        // swr (under @ai-sdk/react) marks modules "use client"; meaningless in a plain SPA bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      }
    }
  }
});
