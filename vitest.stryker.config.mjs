import { defineConfig } from 'vitest/config';

/**
 * Vitest as StrykerJS runs it (`npm run test:mutation`): the unit project only (no integration or
 * e2e files, no custom reporter). Stryker sets the pool, one worker and coverage per test itself.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'],
  },
});
