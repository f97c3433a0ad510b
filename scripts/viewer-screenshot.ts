// Takes the README screenshot of the live viewer: a demo stream of a real env (default ball-nav) in headless
// chromium. Usage: npx tsx scripts/viewer-screenshot.ts [--env ID] [--terrain KIND --task-seed N]
//   [--out docs/viewer.png] [--wait S]. The README's: --env ant --terrain rough (task seed 2: amplitude 0.12 m).
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { envEntry } from '../src/envs/registry.js';
import { demoStreams } from '../src/server/demo-streams.js';
import { startViewerServer } from '../src/server/server.js';
import { launchChromium } from '../test/server/chromium.js';

const { values } = parseArgs({
  options: {
    env: { type: 'string', default: 'ball-nav' },
    terrain: { type: 'string' },
    'task-seed': { type: 'string', default: '2' },
    out: { type: 'string', default: 'docs/viewer.png' },
    wait: { type: 'string', default: '3' },
  },
});
execFileSync(process.execPath, ['scripts/build-viewer.mjs'], { stdio: 'inherit' });
const displayTask = values.terrain
  ? envEntry(values.env!)
      .distribution({ terrains: [values.terrain] })
      .sample(1, Number(values['task-seed']))[0]
  : undefined;
const demo = demoStreams({ env: values.env, iterationMs: 400, innerSteps: 5, metaBatch: 2, displayTask });
const server = await startViewerServer({ streams: demo.streams, port: 0 });
const browser = await launchChromium({ width: 1280, height: 720 });
try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#connection[data-state="open"]');
  await page.waitForTimeout(Number(values.wait) * 1000);
  // ball-nav: an episode late in the scripted adaptation (k >= 4 of 5), near its end, so the ball is near its goal.
  const minK = values.env === 'ball-nav' ? 4 : 0;
  await page.waitForFunction(
    (k) =>
      Number(document.getElementById('hud-k')?.textContent) >= k &&
      Number(document.getElementById('hud-step')?.textContent) >= 70,
    minK,
    { timeout: 60_000, polling: 50 },
  );
  await writeFile(values.out!, await page.screenshot());
  console.log(`wrote ${values.out} (${values.env}, ${server.url})`);
} finally {
  await browser.close();
  await server.close();
  demo.stop();
}
