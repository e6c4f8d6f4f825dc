import { defineConfig } from 'vitest/config';

// Unit tests (*.test.ts) do no I/O; integration (*.int.test.ts) and end-to-end (*.e2e.test.ts) tests start their own
// local stack on random ports, so files can run in parallel. Timeouts are generous because CI machines have 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time on the 2-core machines: most integration time is spent waiting on servers and timers, not
    // on CPU, and vitest's default (cores - 1) ran the files one after another (9.4 min; about 6 with two).
    maxWorkers: 2,
    reporters: ['default'],
  },
});
