import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // .ci/run asks for a JSON report to print a one-line summary.
    ...(process.env.TERRARIUM_VITEST_JSON
      ? { reporters: ['default', 'json'], outputFile: { json: process.env.TERRARIUM_VITEST_JSON } }
      : {}),
  },
});
