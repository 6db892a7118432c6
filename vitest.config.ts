import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start real file watchers and child processes; two workers fit the machines' two cores.
    maxWorkers: 2,
  },
});
