/**
 * Training curves of several configs in one plot, each config's seeds pooled (plots.ts trainingComparisonPlot):
 *   npx tsx scripts/training-curves.ts --out docs/plots/ant-terrain-curriculum-training \
 *     "uniform=runs/ant-terrain-s0+runs/ant-terrain-s1" "curriculum=runs/ant-terrain-curriculum-s0+..."
 * Each RUN is a meta-run's directory (its metrics.jsonl); writes OUT.svg and OUT.png.
 */

import { writePlot } from '../src/meta/eval/plot-files.js';
import { type TrainingRuns, trainingComparisonPlot } from '../src/meta/eval/plots.js';
import { readMetrics } from '../src/meta/eval/run-eval.js';

const args = process.argv.slice(2);
const take = (flag: string) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const out = take('--out');
const title = take('--title') ?? 'meta-training: adapted return on each meta-batch, seeds pooled';
if (!out || args.length === 0)
  throw new Error('usage: training-curves.ts --out BASE [--title T] NAME=RUN[+RUN...] ...');
const groups: TrainingRuns[] = [];
for (const arg of args) {
  const [name, runs] = arg.split('=');
  if (!name || !runs) throw new Error(`expected NAME=RUN[+RUN...], got ${arg}`);
  const dirs = runs.split('+');
  const seeds = await Promise.all(dirs.map((dir) => readMetrics(dir)));
  seeds.forEach((metrics, i) => {
    if (metrics.length === 0) throw new Error(`${dirs[i]}: no metrics.jsonl lines`);
  });
  groups.push({ name, seeds });
}
console.log((await writePlot(out, trainingComparisonPlot(title, groups))).join('\n'));
