// Takes the README screenshot of the live viewer in headless chromium: a demo stream of a real env (default
// ball-nav), or with --run DIR a trained run replayed by `terrarium view` (its policy on a held-out task).
// Usage: npx tsx scripts/viewer-screenshot.ts [--env ID] [--terrain KIND --task-seed N] [--run DIR --step N]
//   [--out docs/viewer.png] [--wait S]. The README's: --run runs/ant-dir-oracle --step 120 (a trained ant walking).
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startView } from '../src/cli/view-command.js';
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
    run: { type: 'string' },
    step: { type: 'string', default: '70' },
  },
});
execFileSync(process.execPath, ['scripts/build-viewer.mjs'], { stdio: 'inherit' });
const displayTask = values.terrain
  ? envEntry(values.env!)
      .distribution({ terrains: [values.terrain] })
      .sample(1, Number(values['task-seed']))[0]
  : undefined;
const demo = values.run
  ? null
  : demoStreams({ env: values.env, iterationMs: 400, innerSteps: 5, metaBatch: 2, displayTask });
const server = demo
  ? await startViewerServer({ streams: demo.streams, port: 0 })
  : await startView({ run: values.run!, tasks: 'test', count: 4, port: 0, seed: 0 });
const browser = await launchChromium({ width: 1280, height: 720 });
try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#connection[data-state="open"]');
  await page.waitForTimeout(Number(values.wait) * 1000);
  // ball-nav: an episode late in the scripted adaptation (k >= 4 of 5), near its end, so the ball is near its goal.
  const minK = values.env === 'ball-nav' && !values.run ? 4 : 0;
  await page.waitForFunction(
    ([k, step]) =>
      Number(document.getElementById('hud-k')?.textContent) >= k &&
      Number(document.getElementById('hud-step')?.textContent) >= step,
    [minK, Number(values.step)],
    { timeout: 60_000, polling: 50 },
  );
  await writeFile(values.out!, await page.screenshot());
  console.log(`wrote ${values.out} (${values.run ?? values.env}, ${server.url})`);
} finally {
  await browser.close();
  await server.close();
  demo?.stop();
}
