/**
 * `terrarium eval --run RUN --context-regression`: does context adaptation identify the task? The run's meta-init
 * adapts its context (the run's own context learner, k context updates, default the run's inner.steps) on each
 * held-out task and eval seed, as `terrarium eval` does (same rollout seeds). Then, per true task parameter that
 * varies over those tasks (task-parameters.ts), a ridge regression (ridge.ts) from the adapted context vector to the
 * parameter, k-fold cross-validated by task (a task's seeds stay in one fold): R^2 of the out-of-fold predictions,
 * 1 for a context that determines the parameter linearly, about 0 (or below) for one that says nothing about it.
 *
 * Writes RUN/eval/context-regression.json (every context, parameter and prediction), .md (the R^2 table) and .svg /
 * .png (predicted against true, a panel per parameter); the harder split's go to RUN/eval-harder/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import writeFileAtomic from 'write-file-atomic';
import { type BackendName, initBackend } from '../../agents/backend.js';
import { TerrariumError } from '../../core/errors.js';
import type { LoadedRun } from '../checkpoint.js';
import type { RlTrainConfig } from '../config.js';
import { type EvalSplit, evalTasks } from './evaluate.js';
import { metaMethod } from './methods.js';
import { writePlot } from './plot-files.js';
import { crossValidatedRidge, DEFAULT_RIDGE } from './ridge.js';
import { evalDir } from './run-eval.js';
import { type TaskReturns, taskRunner } from './task-jobs.js';
import { taskParameters } from './task-parameters.js';

export const DEFAULT_FOLDS = 5;

export interface ContextRegressionOptions {
  runDir: string;
  run: LoadedRun;
  config: RlTrainConfig;
  tasks: number;
  split?: EvalSplit;
  seeds: number;
  /** Context updates before the context is read (default: the run's inner.steps). */
  k?: number;
  folds?: number;
  lambda?: number;
  outDir?: string;
  /** Worker threads for the adaptations (default 1: this thread); the contexts are the same for any count. */
  workers?: number;
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface ParameterFit {
  parameter: string;
  /** Out-of-fold R^2 over every (task, seed). */
  r2: number;
}

export interface ContextRegressionReport {
  env: string;
  split: EvalSplit;
  tasks: number;
  seeds: number;
  k: number;
  contextDim: number;
  folds: number;
  lambda: number;
  /** One per parameter that varies over the held-out tasks, in taskParameters' order. */
  fits: ParameterFit[];
  /** Per (task, seed): the adapted context, the true parameters and the out-of-fold predictions. */
  samples: {
    task: number;
    seed: number;
    context: number[];
    parameters: Record<string, number>;
    predicted: Record<string, number>;
  }[];
  run: { dir: string; iteration: number };
}

/** Fails unless `config` adapts a context (naming the flag, the run and its learner). */
export function checkContextRun(config: RlTrainConfig, runDir: string): void {
  if (config.inner.learner.algo !== 'context') {
    throw new TerrariumError(
      '--context-regression',
      runDir,
      `a run whose inner learner is "context" (this one: "${config.inner.learner.algo}")`,
    );
  }
}

export async function contextRegression(options: ContextRegressionOptions): Promise<ContextRegressionReport> {
  const { config, run, seeds } = options;
  checkContextRun(config, options.runDir);
  const k = options.k ?? config.inner.steps;
  if (!Number.isInteger(k) || k < 1) throw new TerrariumError('--k', k, 'an integer >= 1 (context updates)');
  const split = options.split ?? 'test';
  const folds = options.folds ?? DEFAULT_FOLDS;
  const lambda = options.lambda ?? DEFAULT_RIDGE;
  await initBackend(config.backend as BackendName);
  const tasks = evalTasks(config, options.tasks, split);
  if (!Number.isInteger(folds) || folds < 2 || folds > tasks.length) {
    throw new TerrariumError('--folds', folds, `an integer in [2, ${tasks.length}] (the held-out tasks)`);
  }
  const method = metaMethod(run);
  const runner = taskRunner(options.workers ?? 1);
  let done = 0;
  const onSeed = () => options.onProgress?.(++done, tasks.length * seeds, 'context');
  let perTask: TaskReturns[];
  try {
    perTask = await runner.method({ config, method, tasks, seeds, k, onSeed });
  } finally {
    await runner.close();
  }
  const samples: ContextRegressionReport['samples'] = perTask.flatMap((adapted, i) => {
    if (adapted.contexts.length !== seeds)
      throw new Error('context regression: the context learner returned no context');
    return adapted.contexts.map((context, seed) => ({
      task: i,
      seed,
      context,
      parameters: taskParameters(tasks[i]),
      predicted: {},
    }));
  });
  const x = samples.map((sample) => sample.context);
  const fits: ParameterFit[] = [];
  for (const parameter of Object.keys(samples[0]!.parameters)) {
    const y = samples.map((sample) => sample.parameters[parameter]!);
    const { r2, predicted } = crossValidatedRidge(x, y, {
      folds,
      lambda,
      groups: samples.map((s) => s.task),
    });
    if (r2 === null) continue; // the parameter does not vary over these tasks
    fits.push({ parameter, r2 });
    for (const [j, sample] of samples.entries()) sample.predicted[parameter] = predicted[j]!;
  }
  return {
    env: config.env,
    split,
    tasks: tasks.length,
    seeds,
    k,
    contextDim: method.policy.contextDim,
    folds,
    lambda,
    fits,
    samples,
    run: { dir: options.runDir, iteration: run.iteration },
  };
}

export function contextRegressionTable(report: ContextRegressionReport): string {
  const rows = report.fits.map((f) => `| \`${f.parameter}\` | ${f.r2.toFixed(3)} |`);
  return ['| parameter | R^2 (out of fold) |', '|---|---|', ...rows].join('\n');
}

export function contextRegressionPlot(report: ContextRegressionReport): TopLevelSpec {
  const label = Object.fromEntries(
    report.fits.map((f) => [f.parameter, `${f.parameter}: R^2 ${f.r2.toFixed(2)}`]),
  );
  const values = report.samples.flatMap((s) =>
    report.fits.map(({ parameter }) => ({
      parameter: label[parameter],
      true: s.parameters[parameter],
      predicted: s.predicted[parameter],
    })),
  );
  const x = { field: 'true', type: 'quantitative', title: 'true', scale: { zero: false } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${report.env}: task parameters from the adapted context`,
    data: { values },
    facet: { field: 'parameter', type: 'nominal', title: null, header: { labelLimit: 300 } },
    columns: 3,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 200,
      height: 160,
      layer: [
        {
          mark: { type: 'line', color: '#999' },
          encoding: { x, y: { field: 'true', type: 'quantitative' } },
        },
        {
          mark: { type: 'point', filled: true, opacity: 0.7 },
          encoding: {
            x,
            y: { field: 'predicted', type: 'quantitative', title: 'predicted', scale: { zero: false } },
          },
        },
      ],
    },
  };
}

/** Runs the regression and writes context-regression.{json,md,svg,png} into RUN/eval (or `outDir`). */
export async function runContextRegression(
  options: ContextRegressionOptions,
): Promise<{ report: ContextRegressionReport; table: string; files: string[] }> {
  const report = await contextRegression(options);
  const dir = options.outDir ?? evalDir(options.runDir, report.split);
  await mkdir(dir, { recursive: true });
  const base = join(dir, 'context-regression');
  const table = contextRegressionTable(report);
  await writeFileAtomic(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(
    `${base}.md`,
    `${report.env}: the adapted context (${report.contextDim} numbers after ${report.k} context update${report.k === 1 ? '' : 's'}) ` +
      `regressed onto each task parameter, ${report.tasks} ${report.split === 'harder' ? 'harder ' : ''}held-out tasks x ` +
      `${report.seeds} seeds; ridge (lambda ${report.lambda}, standardized context), ${report.folds}-fold ` +
      `cross-validated by task.\n\n${table}\n`,
  );
  const plots = report.fits.length > 0 ? await writePlot(base, contextRegressionPlot(report)) : [];
  return { report, table, files: [`${base}.json`, `${base}.md`, ...plots] };
}
