import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Builds the real backends once if they are missing (scripts/backends/provision.sh).
          globalSetup: ['test/integration/global-setup.ts'],
          environment: 'node',
          // Real programs (collector, Prometheus, Alertmanager, subprocess apps) share the
          // machine's two cores: run the files one after another.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
