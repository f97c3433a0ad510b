import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStreams, demoStreams } from '../../src/server/demo-streams.js';
import { startViewerServer, type ViewerServer } from '../../src/server/server.js';
import { type Chromium, hasChromium, launchChromium } from './chromium.js';

// browser.test.ts fails in CI where Chromium is missing; here a missing browser only skips.
describe.skipIf(!hasChromium)('viewer HUD in chromium', () => {
  let demo: DemoStreams;
  let server: ViewerServer;
  let browser: Chromium;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-viewer.mjs'], { stdio: 'pipe' });
    demo = demoStreams({ iterationMs: 0, innerSteps: 2 });
    server = await startViewerServer({ streams: demo.streams, port: 0 });
    browser = await launchChromium({ width: 800, height: 500 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    demo?.stop();
  });

  it('shows the iteration with index i (metrics.jsonl, the stream) as i + 1, as the CLI does', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
    for (const expected of [0, 1]) {
      const metrics = await demo.runIteration();
      expect(metrics.iteration).toBe(expected);
      await expect
        .poll(() => page.textContent('#hud-iteration'), { timeout: 10_000 })
        .toBe(String(expected + 1));
    }
    await page.close();
  });
});
