import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The packaging test packs and installs the package: `npm run test:package`.
    exclude: ['test/package/**', 'node_modules/**'],
    // Safety nets only: no verdict rests on them. Tests that restart etcd twenty times or spawn the command take
    // several times longer on a loaded two-core machine than on an idle one, and must not fail for that.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests start real file watchers and child processes; two workers fit the machines' two cores.
    maxWorkers: 2,
  },
});
