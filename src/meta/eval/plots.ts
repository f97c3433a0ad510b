/**
 * Plots of `terrarium eval`, as vega-lite specs rendered to SVG in Node (vega's headless View, renderer 'none', no
 * canvas and no native build):
 *   adaptationPlot  return vs inner updates k, one line per method, the 95 % CI as a band;
 *   trainingPlot    metrics.jsonl of a meta-run: mean return before and after adaptation vs meta-iteration;
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
  return {
    $schema: SCHEMA,
    title: `${env}: meta-training (mean return on each meta-batch)`,
    width: 420,
    height: 280,
    data: { values },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'meta-iteration' },
      y: { field: 'return', type: 'quantitative', title: 'mean return', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 400 } },
    },
  };
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
