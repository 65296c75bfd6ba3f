import { defineConfig } from "vite";

// The chat page. `npm run build` writes it to dist/client, which wrangler.jsonc
// serves as static assets (the Worker answers /agent* and /api/* first).
export default defineConfig({
  root: ".",
  publicDir: false,
  // Vite 8 compiles TSX with oxc; no React plugin is needed for a build.
  oxc: { jsx: { runtime: "automatic" } },
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
