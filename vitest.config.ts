import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    setupFiles: ["./src/_test-setup.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
