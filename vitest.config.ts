import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 60000,
    // Integration suites start real daemons on fixed loopback ports: one file at a time.
    fileParallelism: false,
    // Build dist/ when src/ is newer (CLI and integration tests run dist/); one temp folder per run.
    globalSetup: ['test/setup/fresh-dist.ts', 'test/setup/temp-run-dir.ts'],
  },
});
