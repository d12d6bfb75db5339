import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    setupFiles: ["./src/_test-setup.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // the default report, then every skipped test with what it needs (src/_test-skips.ts)
    reporters: ["default", "./src/_test-skips.ts"],
  },
});
