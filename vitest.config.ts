import { defineConfig } from 'vitest/config';

// Test files run in parallel across the machine's cores; each file owns its databases and ports.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    setupFiles: ['test/setup/env.ts'],
  },
});
