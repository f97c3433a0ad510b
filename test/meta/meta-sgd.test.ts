import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { evaluate } from '../../src/meta/eval/evaluate.js';
import { metaMethod } from '../../src/meta/eval/methods.js';
import { chooseMethods } from '../../src/meta/eval/run-eval.js';
import {
  readBackGradient,
  stepCredits,
  stepMultipliers,
  stepScalesInit,
  stepScalesStep,
  unscaledUpdate,
} from '../../src/meta/meta-sgd.js';
import { readMetrics, tempDir, tinyBallNav, train } from './helpers.js';

describe('Meta-SGD step sizes (first-order)', () => {
  it('grow where the final gradient still points along the adaptation, shrink where it points back, clipped', () => {
    const from = new Float32Array([0, 0, 0]);
    const credits = [[{ from, to: new Float32Array([1, 1, 0]), gradient: new Float32Array([2, -2, 5]) }]];
    let scales = stepScalesInit(3);
    for (let i = 0; i < 200; i++) scales = stepScalesStep(scales, credits, 0.1, 4);
    const [grow, shrink, still] = Array.from(scales.log);
    expect(grow).toBeCloseTo(Math.log(4), 6);
    expect(shrink).toBeCloseTo(-Math.log(4), 6);
    expect(still).toBe(0);
  });

  it('credit the whole adaptation to one shared vector, or each update to its own vector (per step)', () => {
    const points = [new Float32Array([0, 0]), new Float32Array([1, -1]), new Float32Array([3, -1])];
    const gradients = [new Float32Array([9, 9]), new Float32Array([5, 1]), new Float32Array([-7, 2])];
    const gradientAt = (j: number) => gradients[j]!;
    const [shared, ...none] = stepCredits(points, 2, false, gradientAt);
    expect(none).toHaveLength(0);
    expect([shared!.from, shared!.to]).toEqual([points[0], points[2]]);
    expect(shared!.gradient).toBe(gradients[2]);
    const perStep = stepCredits(points, 2, true, gradientAt);
    expect(perStep.map((c) => [c.from, c.to])).toEqual([
      [points[0], points[1]],
      [points[1], points[2]],
    ]);
    expect(perStep.map((c) => c.gradient)).toEqual([gradients[1], gradients[2]]);
    // FOMAML reaches one update less: its last update only measures the gradient.
    expect(stepCredits(points, 1, false, gradientAt)[0]!.to).toBe(points[1]);

    // Each vector follows its own credit: where the gradient after an update still points along it the step grows,
    // where it points back the step shrinks, where the update did not move it stays. Credits must fill the state.
    let scales = stepScalesInit(2, 2);
    for (let i = 0; i < 5; i++) scales = stepScalesStep(scales, [perStep], 0.1, 10);
    const [first, second] = stepMultipliers(scales, 2);
    expect(first![0]).toBeGreaterThan(1);
    expect(first![1]).toBeLessThan(1);
    expect(second![0]).toBeLessThan(1);
    expect(second![1]).toBe(1);
    expect(() => stepScalesStep(scales, [[shared!]], 0.1, 10)).toThrow(
      'credits cover 2 log scales, the state has 4',
    );
  });

  it('a ball-nav run learns them, checkpoints them, resumes bit-exactly and eval adapts with them', async () => {
    const config = tinyBallNav({ iterations: 4, metaSgd: { lr: 0.05 } }) as RlTrainConfig;
    const straight = tempDir();
    const resumed = tempDir();
    await train(config, straight);
    await train(config, resumed, { stopAfter: 2 });
    await train(config, resumed, { resume: true });
    const a = await loadLatestCheckpoint(straight);
    const b = await loadLatestCheckpoint(resumed);
    const scales = a.checkpoint.stepScales!;
    expect(scales.log).toHaveLength(a.params.length);
    expect(scales.log.some((s) => s !== 0)).toBe(true);
    // Adam moves each log-scale by at most about lr an iteration.
    expect(Math.max(...scales.log.map(Math.abs))).toBeLessThanOrEqual(4 * 0.05 + 1e-6);
    expect(Array.from(b.checkpoint.stepScales!.log)).toEqual(Array.from(scales.log));
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(readMetrics(resumed).map((m) => m.taskReturns)).toEqual(
      readMetrics(straight).map((m) => m.taskReturns),
    );

    const withScales = metaMethod(a);
    const { stepScales: _, ...scalar } = withScales;
    const run = (method: typeof withScales) =>
      evaluate({ config, methods: [method], tasks: 2, k: 1, seeds: 1 });
    const learned = (await run(withScales)).methods.meta!.mean;
    const plain = (await run(scalar)).methods.meta!.mean;
    expect(learned[0]).toBe(plain[0]);
    expect(learned[1]).not.toBe(plain[1]);
  });

  it('with FOMAML read the last inner update back as a gradient, dividing out alpha and each multiplier', () => {
    const points = [
      new Float32Array([9, 9, 9]),
      new Float32Array([1, 1, 1]),
      new Float32Array([1.3, 0.4, 1]),
    ];
    const g = readBackGradient(points, 1, new Float32Array([1, 2, 5]), 0.3);
    expect(g![0]).toBeCloseTo(1, 5);
    expect(g![1]).toBeCloseTo(-1, 5);
    expect(g![2]).toBe(0);
  });

  it('a FOMAML run learns them from its inner updates alone (no measured gradient) and needs two inner steps', async () => {
    const config = tinyBallNav({ algo: 'fomaml', iterations: 2, metaSgd: { lr: 0.05 } }) as RlTrainConfig;
    expect(config.inner.steps).toBeGreaterThanOrEqual(2);
    const dir = tempDir();
    await train(config, dir);
    const scales = (await loadLatestCheckpoint(dir)).checkpoint.stepScales!;
    expect(scales.log.some((s) => s !== 0)).toBe(true);
    const oneStep = { ...config, inner: { ...config.inner, steps: 1 } };
    expect(() => parseTrainConfig(oneStep)).toThrow(
      'inner.steps: expected at least 2 with algo "fomaml" and metaSgd, got 1',
    );
  });

  it('FOMAML with initStep "gradient" steps the init along alpha * g: the multipliers divided out of the update', async () => {
    const update = unscaledUpdate(new Float32Array([0.6, -0.6, 0]), new Float32Array([2, 0.5, 10]));
    expect(Array.from(update)).toEqual(Array.from(new Float32Array([0.3, -1.2, 0])));
    expect(() => unscaledUpdate(update, new Float32Array(2))).toThrow('3 numbers, 2 multipliers');

    // The multipliers start at 1, so both kinds of init step agree on the first meta-step and part after it.
    const run = async (initStep: 'update' | 'gradient') => {
      const config = tinyBallNav({
        algo: 'fomaml',
        iterations: 3,
        metaSgd: { lr: 0.5, initStep },
      }) as RlTrainConfig;
      const dir = tempDir();
      await train(config, dir);
      return readMetrics(dir).map((m) => m.taskReturns);
    };
    const [byUpdate, byGradient] = [await run('update'), await run('gradient')];
    expect(byGradient.slice(0, 2)).toEqual(byUpdate.slice(0, 2));
    expect(byGradient[2]).not.toEqual(byUpdate[2]);
  });

  it('a per-step FOMAML run learns one vector per update it can credit, and eval applies them in order', async () => {
    const config = tinyBallNav({
      algo: 'fomaml',
      iterations: 3,
      inner: { steps: 3, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
      metaSgd: { lr: 0.05, perStep: true },
    }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    const run = await loadLatestCheckpoint(dir);
    const vectors = stepMultipliers(run.checkpoint.stepScales!, run.params.length);
    expect(vectors).toHaveLength(2);
    expect(Array.from(vectors[0]!)).not.toEqual(Array.from(vectors[1]!));
    const metrics = readMetrics(dir);
    expect(metrics.at(-1)!.stepScaleMeans).toHaveLength(2);
    expect(metrics.at(-1)!.stepScaleMeans![0]).toBeCloseTo(spreadMean(vectors[0]!), 6);
    const meta = metaMethod(run);
    expect(meta.stepScales).toHaveLength(2);
    const swapped = { ...meta, stepScales: [vectors[1]!, vectors[0]!] };
    const curve = async (method: typeof meta) =>
      (await evaluate({ config, methods: [method], tasks: 2, k: 2, seeds: 1 })).methods.meta!.mean;
    const [inOrder, reversed] = [await curve(meta), await curve(swapped)];
    expect(reversed[0]).toBe(inOrder[0]);
    expect(reversed[1]).not.toBe(inOrder[1]);
  });

  it('eval --baseline-steps meta hands the learned step sizes to the baselines, and needs a Meta-SGD run', async () => {
    const config = tinyBallNav({ iterations: 2, metaSgd: { lr: 0.05 } }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    const run = await loadLatestCheckpoint(dir);
    const options = {
      runDir: dir,
      run,
      config,
      baselines: ['random'],
      tasks: 2,
      k: 1,
      seeds: 1,
      plot: false,
    };
    const [meta, random] = await chooseMethods({ ...options, baselineSteps: 'meta' });
    expect(random!.stepScales).toBe(meta!.stepScales);
    const [, plainRandom] = await chooseMethods(options);
    expect(plainRandom!.stepScales).toBeUndefined();
    const returns = async (method: typeof random) =>
      (await evaluate({ config, methods: [method!], tasks: 2, k: 1, seeds: 1 })).methods.random!.mean;
    const [scaled, plain] = [await returns(random), await returns(plainRandom)];
    expect(scaled[0]).toBe(plain[0]);
    expect(scaled[1]).not.toBe(plain[1]);

    const scalarDir = tempDir();
    const scalarConfig = tinyBallNav({ iterations: 1 }) as RlTrainConfig;
    await train(scalarConfig, scalarDir);
    const scalarRun = await loadLatestCheckpoint(scalarDir);
    await expect(
      chooseMethods({
        ...options,
        runDir: scalarDir,
        run: scalarRun,
        config: scalarConfig,
        baselineSteps: 'meta',
      }),
    ).rejects.toThrow('--baseline-steps: expected a run with metaSgd');
  });

  it('needs the VPG inner learner', () => {
    const input = {
      env: 'ball-nav',
      iterations: 1,
      metaBatchSize: 1,
      metaSgd: {},
      inner: { steps: 1, episodesPerUpdate: 1, learner: { algo: 'ppo' } },
      policy: { valueFunction: true },
    };
    expect(() => parseTrainConfig(input)).toThrow(
      'inner.learner.algo: expected "vpg" when metaSgd is set, got "ppo"',
    );
  });
});

function spreadMean(values: Float32Array): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
