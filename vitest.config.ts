import { defineConfig } from 'vitest/config';

// Unit tests (*.test.ts) do no I/O; integration (*.int.test.ts) and end-to-end (*.e2e.test.ts) tests start their own
// local stack on random ports, so files can run in parallel. Timeouts are generous because CI machines have 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
