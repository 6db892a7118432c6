import { defineConfig } from 'vitest/config';

// The packaging test (test/package): packs and installs the package, so it runs apart from `npm test`.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
