// Takes the screenshot of the side-by-side view of adaptation (docs/viewer-adaptation.png): `terrarium view` of a
// trained run, a terrain and body set from the page's task controls, then the meta-init and its adaptations after
// k = 1..K updates walking side by side, with the return and speed per k.
// Usage: npx tsx scripts/viewer-adaptation-screenshot.ts [--run models/ant-dir] [--k 3] [--terrain slope]
//   [--set terrain.angle=0.1 ...] [--set dynamics.crippledLeg=1] [--step 150] [--out docs/viewer-adaptation.png]
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startView } from '../src/cli/view-command.js';
import { launchChromium } from '../test/server/chromium.js';

const { values } = parseArgs({
  options: {
    run: { type: 'string', default: 'models/ant-dir' },
    k: { type: 'string', default: '3' },
    terrain: { type: 'string', default: 'slope' },
    set: { type: 'string', multiple: true, default: ['terrain.angle=0.1'] },
    step: { type: 'string', default: '150' },
    out: { type: 'string', default: 'docs/viewer-adaptation.png' },
  },
});
execFileSync(process.execPath, ['scripts/build-viewer.mjs'], { stdio: 'inherit' });
const k = Number(values.k);
const view = await startView({ run: values.run!, tasks: 'test', count: 4, port: 0, seed: 0, k });
const browser = await launchChromium({ width: 1280, height: 800 });
try {
  const page = await browser.context.newPage();
  await page.goto(view.url);
  await page.waitForSelector('#connection[data-state="open"]');
  await page.selectOption('[data-field="terrain.kind"] select', values.terrain!);
  for (const assignment of values.set!) {
    const [field, value] = assignment.split('=');
    // Numbers are inputs; choices and nullable fields (dynamics.crippledLeg=1) are selects.
    const row = `[data-field="${field}"]`;
    if ((await page.locator(`${row} select`).count()) > 0) await page.selectOption(`${row} select`, value!);
    else await page.fill(`${row} input`, value!);
  }
  await page.click('#task-send');
  // The adaptation runs in this process beside the browser's driver: on a busy machine the page waits on it.
  await page.waitForSelector('#adapting-source[data-source="page"]', { timeout: 600_000 });
  // Every robot on screen (k = 0..K) and far enough into the episode for the adapted ones to have moved.
  await page.waitForFunction(
    ([lanes, step]) =>
      document.getElementById('hud-k')?.textContent?.split(',').length === lanes &&
      Number(document.getElementById('hud-step')?.textContent) >= step,
    [k + 1, Number(values.step)],
    { timeout: 600_000, polling: 50 },
  );
  await writeFile(values.out!, await page.screenshot());
  console.log(`wrote ${values.out} (${values.run}, ${view.url})`);
} finally {
  await browser.close();
  await view.close();
}
