import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../src/meta/eval/evaluate.js';
import {
  adaptationPlot,
  movingMean,
  renderSvg,
  sinePlot,
  TRAINING_SMOOTHING,
  trainingComparisonPlot,
  trainingPlot,
} from '../../src/meta/eval/plots.js';
import type { MetricsLine } from '../../src/meta/trainer.js';

/** Well-formed XML: every tag closed in order, attributes quoted, one root element, which is <svg>. */
function checkWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (let m = tag.exec(svg); m; m = tag.exec(svg)) {
    // Text between tags has no stray '<' (an unparsed tag would show up here).
    expect(svg.slice(last, m.index)).not.toMatch(/</);
    last = tag.lastIndex;
    if (m[0].startsWith('<!--')) continue;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

const report: EvalReport = {
  env: 'ball-nav',
  tasks: 2,
  seeds: 1,
  k: 2,
  ci: 't',
  normReference: { random0: -100, oracle0: -10 },
  differences: {},
  heldOutTasks: [],
  methods: Object.fromEntries(
    (['meta', 'random', 'pretrained'] as const).map((name, i) => [
      name,
      {
        mean: [-100 + i, -50 + 10 * i, -30 + 10 * i],
        ci95: [
          [-110 + i, -90 + i],
          [-60 + 10 * i, -40 + 10 * i],
          [-40 + 10 * i, -20 + 10 * i],
        ],
        norm: [0, 0.5, 0.7],
        returns: [],
        envSteps: 0,
        wallSeconds: 0,
      },
    ]),
  ),
};

describe('eval plots', () => {
  it('the adaptation curve is a valid SVG with one line (and CI band) per method', async () => {
    const svg = await renderSvg(adaptationPlot(report));
    checkWellFormedSvg(svg);
    expect(svg).toMatch(
      /aria-label="Symbol legend titled 'init' for [a-z ]+ with 3 values: meta, random, pretrained"/,
    );
    for (const method of ['meta', 'random', 'pretrained']) {
      // One point per k on the method's line (the line mark repeats its first point's label).
      const points = svg.match(
        new RegExp(`aria-label="inner updates k: \\d; mean return: [^";]*; init: ${method}"`, 'g'),
      );
      expect(new Set(points).size).toBe(3);
    }
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(3);
    expect(svg.match(/aria-roledescription="area mark"/g)?.length).toBe(3);
  });

  it('the meta-training curve has a before and an after series', async () => {
    const metrics = [0, 1, 2].map(
      (iteration) =>
        ({
          iteration,
          returnBefore: -50 + iteration,
          returnAfter: -40 + iteration,
          taskReturns: [[0, 0, 0, 0]],
        }) as MetricsLine,
    );
    const svg = await renderSvg(trainingPlot('ball-nav', metrics));
    checkWellFormedSvg(svg);
    expect(svg).toContain('before adaptation (k = 0)');
    expect(svg).toContain('after 3 inner updates');
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(2);
  });

  it('the training plot of a curriculum run adds a panel of its levels; of a uniform run, none', async () => {
    const metrics = [0, 1, 2, 3].map(
      (iteration) =>
        ({
          iteration,
          returnBefore: iteration,
          returnAfter: iteration + 1,
          taskReturns: [[0, 0]],
          curriculumLevel: Math.min(iteration, 2),
        }) as MetricsLine,
    );
    const svg = await renderSvg(trainingPlot('ant', metrics));
    checkWellFormedSvg(svg);
    expect(svg).toContain('curriculum level');
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(3);
    const uniform = metrics.map(({ curriculumLevel: _level, ...m }) => m as MetricsLine);
    expect(await renderSvg(trainingPlot('ant', uniform))).not.toContain('curriculum level');
  });

  it('the moving mean averages each value with the ones before it, fewer at the start', () => {
    expect(movingMean([1, 3, 5, 7, 9], 3)).toEqual([1, 2, 3, 5, 7]);
    expect(movingMean([4], 9)).toEqual([4]);
  });

  it('the training comparison pools seeds per config: their mean as a line, their range as a band', async () => {
    const seed = (offset: number, length: number) =>
      Array.from(
        { length },
        (_, iteration) =>
          ({ iteration, returnAfter: offset, totalEnvSteps: (iteration + 1) * 1000 }) as MetricsLine,
      );
    const groups = [
      { name: 'uniform', seeds: [seed(10, 12), seed(30, 12)] },
      // The shorter seed sets how far the curriculum's curve goes.
      { name: 'curriculum', seeds: [seed(50, 12), seed(70, 5)] },
    ];
    const spec = trainingComparisonPlot('ant-terrain', groups);
    const values = (spec as { data: { values: Record<string, number | string>[] } }).data.values;
    expect(values.filter((v) => v.run === 'uniform (2 seeds)')).toHaveLength(12);
    const curriculum = values.filter((v) => v.run === 'curriculum (2 seeds)');
    expect(curriculum).toHaveLength(5);
    expect(curriculum[4]).toMatchObject({ envSteps: 5000, return: 60, lo: 50, hi: 70 });
    const svg = await renderSvg(spec);
    checkWellFormedSvg(svg);
    expect(svg).toContain(`moving mean of ${TRAINING_SMOOTHING}`);
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(2);
    expect(svg.match(/aria-roledescription="area mark"/g)?.length).toBe(2);
  });

  it('the sine plot has one panel per task', async () => {
    const x = [-1, 0, 1];
    const svg = await renderSvg(
      sinePlot(
        [0, 1].flatMap((task) => [
          { task, series: 'target', x, y: [0, 1, 0] },
          { task, series: 'meta, k = 5', x, y: [0, 0.9, 0.1] },
        ]),
        'sine',
      ),
    );
    checkWellFormedSvg(svg);
    expect(svg).toContain('task 0');
    expect(svg).toContain('task 1');
  });
});
