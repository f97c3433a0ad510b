/**
 * uPlot curves: mean return before / after adaptation per meta-iteration, and the shown task's return against
 * inner step k. Each chart's container carries `data-points` (points drawn) for tests and scripts.
 */
import uPlot from 'uplot';
import type { AdaptationMessage, MetricsMessage } from './protocol.js';

const WIDTH = 358;
const HEIGHT = 130;
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const axes: uPlot.Axis[] = [
  {
    incrs: INTEGER_STEPS,
    stroke: '#9aa3ad',
    grid: { stroke: 'rgba(255,255,255,0.07)' },
    ticks: { stroke: 'rgba(255,255,255,0.1)' },
  },
  {
    stroke: '#9aa3ad',
    grid: { stroke: 'rgba(255,255,255,0.07)' },
    ticks: { stroke: 'rgba(255,255,255,0.1)' },
    size: 60,
  },
];

export class Charts {
  private readonly meta: uPlot;
  private readonly adapt: uPlot;
  private readonly iterations: number[] = [];
  private readonly before: number[] = [];
  private readonly after: number[] = [];
  /** Returns by inner step, per `${iteration}:${taskIndex}`. */
  private readonly curves = new Map<
    string,
    { task: number; iteration: number; k: number[]; returns: number[] }
  >();
  private shownTask: number | null = null;

  constructor(
    private readonly metaElement: HTMLElement,
    private readonly adaptElement: HTMLElement,
  ) {
    this.meta = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        scales: { x: { time: false } },
        axes,
        series: [
          { label: 'iteration' },
          { label: 'before', stroke: '#ef8a62', width: 2, points: { show: false } },
          { label: 'after', stroke: '#67c587', width: 2, points: { show: false } },
        ],
      },
      [[], [], []],
      metaElement,
    );
    this.adapt = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        scales: { x: { time: false } },
        axes,
        series: [
          { label: 'k' },
          { label: 'return', stroke: '#6aa9e9', width: 2, points: { show: true, size: 6 } },
        ],
      },
      [[], []],
      adaptElement,
    );
  }

  addMetrics(event: MetricsMessage): void {
    this.iterations.push(event.iteration + 1); // from 1, as the CLI and the plots count
    this.before.push(event.returnBefore);
    this.after.push(event.returnAfter);
    this.meta.setData([this.iterations, this.before, this.after]);
    this.metaElement.dataset.points = String(this.iterations.length);
  }

  addAdaptation(event: AdaptationMessage): void {
    const key = `${event.iteration}:${event.taskIndex}`;
    let curve = this.curves.get(key);
    if (!curve) {
      curve = { task: event.taskIndex, iteration: event.iteration, k: [], returns: [] };
      this.curves.set(key, curve);
      if (this.curves.size > 200) this.curves.delete(this.curves.keys().next().value!);
    }
    curve.k.push(event.k);
    curve.returns.push(event.return);
    this.redrawAdaptation();
  }

  /** Shows the latest curve of this task (null: the latest curve of any task). */
  showTask(taskIndex: number | null): void {
    this.shownTask = taskIndex;
    this.redrawAdaptation();
  }

  private redrawAdaptation(): void {
    let latest: { k: number[]; returns: number[] } | undefined;
    for (const curve of this.curves.values()) {
      if (this.shownTask === null || curve.task === this.shownTask) latest = curve;
    }
    if (!latest) return;
    this.adapt.setData([latest.k, latest.returns]);
    this.adaptElement.dataset.points = String(latest.k.length);
  }
}
