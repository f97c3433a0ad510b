/**
 * `terrarium eval` on a sine-regression run: the meta-init, a random init (the run's own initial params) and, when
 * `terrarium pretrain --run RUN` made one, the multi-task pretrained init (joint SGD on the pooled sines) take
 * k = 0..K SGD steps on `evaluation.points` samples of each held-out sine (the test split), S seeds drawing the
 * samples; the "return" is minus the MSE on the whole curve. Same report format and statistics as the RL eval, plus
 * a plot of the fitted curves on three held-out sines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deriveSeed } from '../../core/rng.js';
import type { LoadedRun } from '../checkpoint.js';
import type { SineTrainConfig } from '../config.js';
import {
  adaptSine,
  initSineParams,
  type SineSpec,
  sinePredict,
  sineTaskDistribution,
  sineValue,
} from '../sine.js';
import { initSeed } from '../trainer.js';
import {
  EVAL_SEED,
  type EvalReport,
  type MethodResult,
  publicReport,
  reportFromReturns,
} from './evaluate.js';
import { loadBaseline } from './methods.js';
import { writePlot } from './plot-files.js';
import { type SineCurve, sinePlot } from './plots.js';
import { differencesTable, resultsTable } from './table.js';

export interface SineEvalOptions {
  /** Inner steps K (default: the config's evaluation.steps). */
  k?: number;
  /** Held-out sines (default: the config's evaluation.tasks). */
  tasks?: number;
  seeds?: number;
  plot?: boolean;
}

export function evaluateSineInits(
  config: SineTrainConfig,
  inits: Record<string, Float32Array>,
  options: SineEvalOptions = {},
): EvalReport {
  const k = options.k ?? config.evaluation.steps;
  const seeds = options.seeds ?? 3;
  const { points } = config.evaluation;
  const spec: SineSpec = { hidden: config.hidden, steps: k, lr: config.inner.lr, points, batchSize: points };
  const tasks = sineTaskDistribution().testTasks(options.tasks ?? config.evaluation.tasks);
  const methods: Record<string, Pick<MethodResult, 'returns' | 'envSteps' | 'wallSeconds'>> = {};
  for (const [name, params] of Object.entries(inits)) {
    const started = performance.now();
    const returns = tasks.map((task, i) =>
      Array.from(
        { length: seeds },
        (_, s) => adaptSine(params, task, spec, deriveSeed(EVAL_SEED, s, i)).returns,
      ),
    );
    methods[name] = { returns, envSteps: 0, wallSeconds: (performance.now() - started) / 1000 };
  }
  return reportFromReturns({ env: 'sine', k, heldOutTasks: tasks }, methods);
}

/** Target and fitted curves (k = 0 and k = K from each init) on the first `n` held-out sines, with seed 0. */
export function sineCurves(
  config: SineTrainConfig,
  inits: Record<string, Float32Array>,
  k: number,
  n = 3,
): SineCurve[] {
  const { points } = config.evaluation;
  const spec: SineSpec = { hidden: config.hidden, steps: k, lr: config.inner.lr, points, batchSize: points };
  const xs = Array.from({ length: 100 }, (_, i) => -5 + (10 * i) / 99);
  const curves: SineCurve[] = [];
  sineTaskDistribution()
    .testTasks(n)
    .forEach((task, i) => {
      curves.push({ task: i, series: 'target', x: xs, y: xs.map((x) => sineValue(task, x)) });
      for (const [name, params] of Object.entries(inits)) {
        const adapted = adaptSine(params, task, spec, deriveSeed(EVAL_SEED, 0, i)).params;
        curves.push({
          task: i,
          series: `${name}, k = 0`,
          x: xs,
          y: [...sinePredict(params, config.hidden, xs)],
        });
        curves.push({
          task: i,
          series: `${name}, k = ${k}`,
          x: xs,
          y: [...sinePredict(adapted, config.hidden, xs)],
        });
      }
    });
  return curves;
}

export async function evaluateSineRun(runDir: string, run: LoadedRun, options: SineEvalOptions = {}) {
  const config = run.config as SineTrainConfig;
  const inits: Record<string, Float32Array> = {
    meta: run.params,
    random: initSineParams(config.hidden, initSeed(config)),
  };
  const pretrained = await loadBaseline(runDir, 'pretrained');
  if (pretrained) inits.pretrained = pretrained.params;
  const report = evaluateSineInits(config, inits, options);
  const dir = join(runDir, 'eval');
  await mkdir(dir, { recursive: true });
  const table = [resultsTable(report), differencesTable(report)].filter((t) => t !== '').join('\n\n');
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(
    join(dir, 'results.md'),
    `sine, ${report.tasks} held-out sines x ${report.seeds} seeds, return = -MSE on the curve; ${report.ci}.\n\n${table}\n`,
  );
  if (options.plot) {
    const curves = sineCurves(config, inits, report.k);
    const title = `sine: fits after ${report.k} steps on ${config.evaluation.points} points (held-out sines)`;
    await writePlot(join(dir, 'sine-fits'), sinePlot(curves, title));
  }
  return { report, public: publicReport(report), text: table };
}
