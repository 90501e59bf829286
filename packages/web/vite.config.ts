import { defineConfig } from "vite"

/**
 * The web app's build (issue 17): hashed file names under `assets/` (served
 * immutable), no inline script (the server's CSP has no `unsafe-inline`), no
 * CDN. `scripts/compress.mjs` then writes `.br` and `.gz` beside each file.
 */
export default defineConfig({
  base: "/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 800,
    manifest: true
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } }
})
