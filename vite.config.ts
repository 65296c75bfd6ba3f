import { defineConfig } from "vite";
import type { Plugin } from "vite";
import { staticHeadersFile } from "./src/http/security-headers";
import { pwaFiles } from "./src/web/pwa/build";

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

/** The installable app: manifest and icons (src/web/pwa/build.ts); the service worker is the `sw` entry below. */
function installableApp(): Plugin {
  return {
    name: "steward-installable-app",
    async generateBundle() {
      for (const file of await pwaFiles()) this.emitFile({ type: "asset", ...file });
    }
  };
}

export default defineConfig({
  root: ".",
  publicDir: false,
  // Vite 8 compiles TSX with oxc; no React plugin is needed for a build.
  oxc: { jsx: { runtime: "automatic" } },
  plugins: [securityHeaders(), installableApp()],
  build: {
    outDir: "dist/client",
    emptyOutDir: true,
    sourcemap: true,
    // react-dom + the AI SDK's UI layer (with zod) + agents: ≈ 540 kB minified, ≈ 160 kB gzipped.
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      input: { index: "index.html", sw: "src/web/pwa/sw.ts" },
      // The service worker keeps one unhashed name: the browser finds updates by fetching /sw.js again.
      output: { entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js") },
      onwarn(warning, warn) {
        // swr (under @ai-sdk/react) marks modules "use client"; meaningless in a plain SPA bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      }
    }
  }
});
