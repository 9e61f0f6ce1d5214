import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    hookTimeout: 60000,
    // Integration suites start real daemons on fixed loopback ports: one file at a time.
    fileParallelism: false,
    // CLI and integration tests run dist/: build it first when a source file is newer.
    globalSetup: ['test/setup/fresh-dist.ts'],
  },
});
