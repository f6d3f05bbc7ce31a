import { defineConfig } from "vitest/config";

export default defineConfig({
  // Node resolves `graphql` to its CommonJS build (as Pothos and yoga get it); Vite would pick the
  // .mjs build for our files, and two copies of graphql refuse each other's schema objects.
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    reporters: ["default", "./test/support/summaryReporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time against the shared servers.
    maxWorkers: 2,
    // An unhandled rejection or uncaught exception fails the run, as it ends a Masivo process
    // (app/unhandledErrors.ts): vitest's default, written out so that no one turns it off.
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
