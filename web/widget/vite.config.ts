import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

// Built into the desk's package; the desk serves /widget.js (a tiny loader, cached briefly)
// and this content-hashed bundle under /widget/assets/ (cached for a year).
const outDir = fileURLToPath(new URL("../../src/frontdesk/static/widget", import.meta.url));

export default defineConfig({
  build: {
    outDir,
    emptyOutDir: true,
    manifest: true,
    target: "es2020",
    reportCompressedSize: true,
    rollupOptions: {
      input: "src/main.ts",
      output: {
        // A classic script, one file: it runs on any site, next to any other script.
        format: "iife",
        entryFileNames: "assets/widget-[hash].js",
      },
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
