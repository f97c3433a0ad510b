/**
 * The live view of adaptation in real Chromium: `terrarium view` of the shipped ant-dir meta-init, a new terrain set
 * from the page's task controls, the server's refusal of a bad value shown on the field, then the robots side by
 * side on the new terrain and the return per k arriving, and a second page told who sent the task.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startView, type ViewSession } from '../../src/cli/view-command.js';
import { type Chromium, hasChromium, launchChromium, pixelStats } from './chromium.js';

const RUN = 'models/ant-dir';
const K = (JSON.parse(readFileSync(`${RUN}/config.json`, 'utf8')) as { inner: { steps: number } }).inner
  .steps;
// Generous waits: the page runs on SwiftShader and the machine may be busy (none of them is a timing assertion).
const UI_WAIT_MS = 60_000;
const ADAPT_WAIT_MS = 240_000;
const metricsLines = readFileSync(`${RUN}/metrics.jsonl`, 'utf8').trim().split('\n').length;

// browser.test.ts fails on CI when Chromium is missing; here it is skipped like there off CI.
describe.skipIf(!hasChromium)('the live view of adaptation in chromium', () => {
  let session: ViewSession;
  let browser: Chromium;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-viewer.mjs'], { stdio: 'pipe' });
    session = await startView({ run: RUN, tasks: 'test', count: 2, port: 0, seed: 0 });
    browser = await launchChromium({ width: 1280, height: 800 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await session?.close();
  });

  it('sets a new terrain from the page and sees the robots side by side on it and the return per k arrive', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(session.url);
    await page.waitForSelector('#connection[data-state="open"]', { timeout: UI_WAIT_MS });
    const other = await browser.context.newPage();
    await other.goto(session.url);
    await page.waitForSelector('[data-field="terrain.kind"] select', { timeout: UI_WAIT_MS });
    // The training curve: one point per metrics.jsonl line.
    await expect
      .poll(async () => Number(await page.getAttribute('#chart-meta', 'data-points')), {
        timeout: UI_WAIT_MS,
      })
      .toBe(metricsLines);

    // A value the server refuses: its error, naming field and value, is shown and the field marked.
    await page.fill('[data-field="dynamics.friction"] input', '9', { timeout: UI_WAIT_MS });
    await page.click('#task-send', { timeout: UI_WAIT_MS });
    await expect
      .poll(() => page.textContent('#task-error'), { timeout: UI_WAIT_MS })
      .toContain('task.dynamics.friction');
    expect(await page.textContent('#task-error')).toContain('9');
    expect(await page.getAttribute('[data-field="dynamics.friction"] input', 'class')).toContain('invalid');

    await page.fill('[data-field="dynamics.friction"] input', '0.8', { timeout: UI_WAIT_MS });
    await page.selectOption('[data-field="terrain.kind"] select', 'stairs', { timeout: UI_WAIT_MS });
    expect(await page.isVisible('[data-field="terrain.stepHeight"] input')).toBe(true);
    expect(await page.isVisible('[data-field="terrain.angle"] input')).toBe(false);
    await page.fill('[data-field="terrain.stepHeight"] input', '0.08', { timeout: UI_WAIT_MS });
    await page.click('#task-send', { timeout: UI_WAIT_MS });
    await page.waitForSelector('#adapting-source[data-source="page"]', { timeout: UI_WAIT_MS });
    const sender = (await page.textContent('#adapting-source')) ?? '';
    expect(sender).toContain('(this page)');
    // The other page is told the same task and who sent it.
    await other.waitForSelector('#adapting-source[data-source="page"]', { timeout: UI_WAIT_MS });
    const told = (await other.textContent('#adapting-source')) ?? '';
    expect(told).not.toContain('(this page)');
    expect(told.match(/page #\d+/)?.[0]).toBe(sender.match(/page #\d+/)?.[0]);
    expect(await page.textContent('#task-error')).toBe('');

    // The return (and speed) per k arrive as the adaptation finishes, then every robot is on the new terrain.
    await expect
      .poll(async () => Number(await page.getAttribute('#adaptation-rows', 'data-rows')), {
        timeout: ADAPT_WAIT_MS,
      })
      .toBe(K + 1);
    const rows = await page.locator('#adaptation-rows tr').allTextContents();
    for (const row of rows) expect(row).toMatch(/k = \d.*-?\d+\.\d.*-?\d+\.\d\d/);
    const lanes = Array.from({ length: K + 1 }, (_, k) => k).join(', ');
    // The page's task is shown once its side-by-side episode starts (a held-out task's may still be on screen).
    await expect
      .poll(async () => (await page.textContent('#hud-task')) ?? '', { timeout: ADAPT_WAIT_MS })
      .toContain('terrain: stairs');
    await expect.poll(() => page.textContent('#hud-k'), { timeout: UI_WAIT_MS }).toBe(lanes);
    const hudTask = (await page.textContent('#hud-task')) ?? '';
    expect(hudTask).toContain('terrain.stepHeight: 0.08');
    expect(hudTask).toContain('friction: 0.80');
    await expect
      .poll(async () => Number(await page.getAttribute('#chart-adapt', 'data-points')), {
        timeout: UI_WAIT_MS,
      })
      .toBe(K + 1);
    // The canvas as drawn (it keeps its drawing buffer), read in the page: no wait for a still frame.
    const dataUrl = await page.evaluate(() =>
      (document.querySelector('#stage canvas') as HTMLCanvasElement).toDataURL('image/png'),
    );
    const stats = await pixelStats(browser.context, Buffer.from(dataUrl.split(',')[1]!, 'base64'));
    expect(stats.nonBackground).toBeGreaterThan(0.2);

    expect(errors).toEqual([]);
    await other.close();
    await page.close();
  }, 600_000);
});
