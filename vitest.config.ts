import { defineConfig } from 'vitest/config';

/**
 * Tests that push gigabytes through a process or measure throughput. They run after every other
 * test, one file at a time, so they neither starve the rest of the suite of CPU nor share the
 * machine with it while they measure.
 */
const HEAVY = [
  'test/integration/rds-sim-big-download.test.ts',
  'test/integration/transfer-memory.test.ts',
  'test/integration/bench.test.ts',
];

// Timeouts are safety nets against a hang, never the way a test waits: tests wait on state
// (test/support/wait.ts), and on a loaded machine everything simply takes longer. They are set
// far above what a run takes next to CPU hogs, and above wait.ts's HANG_CEILING_MS, so that a
// hang inside a wait is reported with what it waited for.
const shared = {
  pool: 'forks' as const,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: HEAVY,
          // One DynamoDB Local and one fauxqs serve the whole project; each test file creates
          // its own uniquely named table, queues and bucket on them.
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'heavy',
          include: HEAVY,
          testTimeout: 1_800_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
