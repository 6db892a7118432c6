import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The packaging test packs and installs the package: `npm run test:package`.
    exclude: ['test/package/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start real file watchers and child processes; two workers fit the machines' two cores.
    maxWorkers: 2,
  },
});
