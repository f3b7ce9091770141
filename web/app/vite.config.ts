import { fileURLToPath } from "node:url";

import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

// The desk serves the bundle from its package at /app/ (src/frontdesk/web.py).
const outDir = fileURLToPath(new URL("../../src/frontdesk/static/app", import.meta.url));

export default defineConfig({
  base: "/app/",
  plugins: [vue()],
  define: {
    // vue-i18n: messages are plain strings, compiled at run time without eval (no legacy API).
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir,
    emptyOutDir: true,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev` against a desk running on :8000 (./scripts/demo).
    proxy: { "/api": { target: "http://127.0.0.1:8000", ws: true } },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
