import { defineConfig } from 'vitest/config';

// The test config of `npm run mutate` (stryker.config.json). The browser test is left out: it checks the page, not a
// scoped module, and costs a Chromium per mutant. TERRARIUM_MUTATE_TESTS (comma-separated test files) narrows the
// run to a module's own tests, for a quick check of one module on a busy machine.
const only = process.env.TERRARIUM_MUTATE_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: only ?? ['test/**/*.test.ts'],
    exclude: ['test/server/browser.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
