import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStreams, demoStreams } from '../../src/server/demo-streams.js';
import { startViewerServer, type ViewerServer } from '../../src/server/server.js';
import { CHROMIUM_PATH, type Chromium, hasChromium, launchChromium, pixelStats } from './chromium.js';

const missing = `${CHROMIUM_PATH} not found (apt-get install -y chromium; CI installs it)`;
if (!hasChromium && !process.env.CI) console.warn(`browser test skipped: ${missing}`);

// CI installs Chromium, so there a missing browser is a failure, not a skip.
it.runIf(!hasChromium && process.env.CI)('chromium is installed (CI)', () => {
  expect.fail(`the browser test cannot run: ${missing}`);
});

describe.skipIf(!hasChromium)('viewer page in chromium', () => {
  let demo: DemoStreams;
  let server: ViewerServer;
  let browser: Chromium;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-viewer.mjs'], { stdio: 'pipe' });
    demo = demoStreams({ iterationMs: 150, innerSteps: 3 });
    server = await startViewerServer({ streams: demo.streams, port: 0 });
    browser = await launchChromium({ width: 960, height: 600 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    demo?.stop();
  });

  it('loads without console errors, connects, draws the scene, and updates the HUD and the curves', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(server.url);
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
    const returns = new Set<string>();
    await expect
      .poll(
        async () => {
          returns.add((await page.textContent('#hud-return')) ?? '');
          return returns.size;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBeGreaterThanOrEqual(4);
    await expect
      .poll(async () => Number(await page.getAttribute('#chart-meta', 'data-points')), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    await expect
      .poll(async () => Number(await page.getAttribute('#chart-adapt', 'data-points')), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    expect(await page.textContent('#hud-env')).toBe('ball-nav');
    const stats = await pixelStats(browser.context, await page.locator('#stage canvas').screenshot());
    expect(stats.nonBackground).toBeGreaterThan(0.2);
    expect(stats.colors).toBeGreaterThan(100);
    expect(errors).toEqual([]);

    // The server restarts on the same port: the page shows it lost the connection, then reconnects by itself.
    const port = server.port;
    await server.close();
    await page.waitForSelector('#connection[data-state="closed"]', { timeout: 5000 });
    server = await startViewerServer({ streams: demo.streams, port });
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
    await page.close();
  });
});
