/**
 * Plots of `terrarium eval` (and scripts/training-curves.ts), as vega-lite specs rendered to SVG in Node (vega's headless View, renderer 'none', no
 * canvas and no native build):
 *   adaptationPlot  return vs inner updates k, one line per method, the 95 % CI as a band;
 *   trainingPlot    metrics.jsonl of a meta-run: mean return before and after adaptation vs meta-iteration (and,
 *                   for a curriculum run, the level of each meta-batch below it);
 *   trainingComparisonPlot  several runs' training curves against env steps, seeds of one config pooled;
 *   sinePlot        the sine toy: true curves of a few held-out sines and the fits after k steps from each init.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { MetricsLine } from '../trainer.js';
import { type EvalReport, heldOutLabel } from './evaluate.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Renders a vega-lite spec to a standalone SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function adaptationPlot(report: EvalReport, title?: string): TopLevelSpec {
  const values = Object.entries(report.methods).flatMap(([method, m]) =>
    m.mean.map((value, k) => ({ method, k, return: value, lo: m.ci95[k]![0], hi: m.ci95[k]![1] })),
  );
  const color = {
    field: 'method',
    type: 'nominal',
    title: 'init',
    scale: { domain: Object.keys(report.methods) },
  } as const;
  const x = {
    field: 'k',
    type: 'quantitative',
    title: 'inner updates k',
    axis: { tickMinStep: 1, format: 'd' },
  } as const;
  return {
    $schema: SCHEMA,
    title:
      title ??
      `${report.env}: return after k updates on ${heldOutLabel(report)} x ${report.seeds} seeds (95 % CI)`,
    width: 420,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: 'mean return' },
          y2: { field: 'hi' },
          color,
        },
      },
      {
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'return', type: 'quantitative', title: 'mean return' }, color },
      },
    ],
  };
}

export function trainingPlot(env: string, metrics: readonly MetricsLine[]): TopLevelSpec {
  const k = metrics[0] ? metrics[0].taskReturns[0]!.length - 1 : 0;
  const values = metrics.flatMap((m) => [
    { iteration: m.iteration + 1, series: 'before adaptation (k = 0)', return: m.returnBefore },
    {
      iteration: m.iteration + 1,
      series: `after ${k} inner update${k === 1 ? '' : 's'}`,
      return: m.returnAfter,
    },
  ]);
  const iteration = { field: 'iteration', type: 'quantitative', title: 'meta-iteration' } as const;
  const returns = {
    width: 420,
    height: 280,
    data: { values },
    mark: { type: 'line' },
    encoding: {
      x: iteration,
      y: { field: 'return', type: 'quantitative', title: 'mean return', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400 } },
    },
  } as const;
  const title = `${env}: meta-training (mean return on each meta-batch)`;
  const levels = metrics.filter((m) => m.curriculumLevel !== undefined);
  if (levels.length === 0) return { $schema: SCHEMA, title, ...returns };
  const levelPanel = {
    width: 420,
    height: 100,
    data: { values: levels.map((m) => ({ iteration: m.iteration + 1, level: m.curriculumLevel })) },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: iteration,
      y: {
        field: 'level',
        type: 'quantitative',
        title: 'curriculum level',
        axis: { tickMinStep: 1, format: 'd' },
      },
    },
  } as const;
  return { $schema: SCHEMA, title, vconcat: [returns, levelPanel] };
}

/** One curve of trainingComparisonPlot: the metrics of each training seed of one config. */
export interface TrainingRuns {
  name: string;
  seeds: readonly (readonly MetricsLine[])[];
}

/** Iterations in trainingComparisonPlot's moving mean: a meta-batch's return is noisy (a few tasks, one sample each). */
export const TRAINING_SMOOTHING = 9;

/**
 * The training curves of several configs against env steps: per config, the mean over its seeds of each
 * meta-iteration's adapted return (`returnAfter`), as a moving mean over TRAINING_SMOOTHING iterations, with the
 * seeds' lowest and highest (each smoothed the same way) as a band. Iterations that not every seed reached are left
 * out, so a curve never mixes seed counts.
 */
export function trainingComparisonPlot(title: string, groups: readonly TrainingRuns[]): TopLevelSpec {
  const values = groups.flatMap(({ name, seeds }) => {
    const smoothed = seeds.map((metrics) =>
      movingMean(
        metrics.map((m) => m.returnAfter),
        TRAINING_SMOOTHING,
      ),
    );
    const length = Math.min(...seeds.map((metrics) => metrics.length));
    return Array.from({ length }, (_, i) => {
      const at = smoothed.map((curve) => curve[i]!);
      const steps = seeds.reduce((sum, metrics) => sum + metrics[i]!.totalEnvSteps, 0) / seeds.length;
      return {
        run: `${name} (${seeds.length} seed${seeds.length === 1 ? '' : 's'})`,
        envSteps: steps,
        return: at.reduce((a, b) => a + b, 0) / at.length,
        lo: Math.min(...at),
        hi: Math.max(...at),
      };
    });
  });
  const x = { field: 'envSteps', type: 'quantitative', title: 'env steps', axis: { format: '~s' } } as const;
  const color = {
    field: 'run',
    type: 'nominal',
    title: null,
    scale: { domain: [...new Set(values.map((v) => v.run))] },
    legend: { labelLimit: 400, symbolOpacity: 1 },
  } as const;
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        mark: { type: 'line' },
        encoding: {
          x,
          y: {
            field: 'return',
            type: 'quantitative',
            title: `adapted return on the meta-batch (moving mean of ${TRAINING_SMOOTHING})`,
            scale: { zero: false },
          },
          color,
        },
      },
    ],
  };
}

/** The mean of each value and the ones before it, up to `window` in all (fewer at the start). */
export function movingMean(values: readonly number[], window: number): number[] {
  let sum = 0;
  return values.map((value, i) => {
    sum += value - (i >= window ? values[i - window]! : 0);
    return sum / Math.min(i + 1, window);
  });
}

export interface SineCurve {
  /** Held-out task index. */
  task: number;
  /** "target", or the init and step count of a fit, e.g. "meta, k = 32". */
  series: string;
  x: number[];
  y: number[];
}

export function sinePlot(curves: readonly SineCurve[], title: string): TopLevelSpec {
  const values = curves.flatMap((c) =>
    c.x.map((x, i) => ({ task: `task ${c.task}`, series: c.series, x, y: c.y[i] })),
  );
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    facet: { field: 'task', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line' },
      encoding: {
        x: { field: 'x', type: 'quantitative' },
        y: { field: 'y', type: 'quantitative' },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  };
}
