import { describe, expect, it } from 'vitest';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import type { AdaptResult } from '../../src/meta/meta-learner.js';
import { stepScalesInit } from '../../src/meta/meta-sgd.js';
import { innerMultipliers, type MetaState, outerStep } from '../../src/meta/outer-step.js';
import { adamInit } from '../../src/meta/reptile.js';

// The meta step on hand-made adaptation results of two tasks over two parameters, every number exact in binary.
// theta = (1, 2); task A adapts to (2, 1), its last inner update started at (1.5, 2); task B adapts to (1, 4) from
// (0.5, 3.5). Reptile's direction mean_i(theta_i - theta) = ((1, -1) + (0, 2)) / 2 = (0.5, 0.5); FOMAML's
// pseudo-gradient mean_i(before_last_i - theta_i) = ((-0.5, 1) + (-0.5, -0.5)) / 2 = (-0.5, 0.25).
const f32 = (...xs: number[]) => Float32Array.from(xs);
const THETA = f32(1, 2);

function result(
  params: Float32Array,
  beforeLast: Float32Array,
  extra: Partial<AdaptResult> = {},
): AdaptResult {
  return {
    params,
    obsNorm: null,
    path: [THETA, beforeLast],
    finalGradient: null,
    explorationGradient: null,
    context: null,
    stats: { returns: [-1, -1, -1], envSteps: 0, wallSeconds: 0 },
    ...extra,
  };
}

const RESULTS = [result(f32(2, 1), f32(1.5, 2)), result(f32(1, 4), f32(0.5, 3.5))];

/** The obs-norm merge is the learner's; the meta step only hands it the init's and the tasks' statistics. */
const learner = {
  mergeObsNorm: (init: unknown, adapted: readonly unknown[]) => ({ init, adapted }),
};

function state(extra: Partial<MetaState> = {}): MetaState {
  return { params: THETA, obsNorm: 'init stats', adam: adamInit(2), stepScales: null, ...extra };
}

// A ball-nav config as helpers.ts's tinyBallNav, parsed here: importing the trainer would slow every mutant's run.
const config = (overrides: Record<string, unknown>) =>
  parseTrainConfig({
    env: 'ball-nav',
    iterations: 2,
    metaBatchSize: 2,
    inner: { steps: 2, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
    policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
    ...overrides,
  }) as RlTrainConfig;

describe('the outer (meta) step on hand-made adaptation results', () => {
  it('Reptile with SGD moves theta by eps * mean_i(theta_i - theta)', () => {
    const next = outerStep(config({}), state(), null, RESULTS, 0.5, learner);
    expect(Array.from(next.params)).toEqual([1.25, 2.25]);
    expect(next.stepScales).toBeNull();
  });

  it('FOMAML with SGD moves theta by -eps * mean_i(before_last_i - theta_i)', () => {
    const next = outerStep(config({ algo: 'fomaml' }), state(), null, RESULTS, 0.5, learner);
    expect(Array.from(next.params)).toEqual([1.25, 1.875]);
  });

  it("Adam's first step descends theta - mean_i(theta_i) by lr g / (|g| + epsilon), its options honoured", () => {
    // g = -(0.5, 0.5); bias-corrected first step: -lr * g / (|g| + epsilon) = 0.5 * 0.5 / 1.5 = 1/6 with epsilon 1.
    const adam = { beta1: 0.9, beta2: 0.999, epsilon: 1 };
    const next = outerStep(
      config({ outer: { eps0: 0.5, eps1: 0.5, optimizer: 'adam', adam } }),
      state(),
      null,
      RESULTS,
      0.5,
      learner,
    );
    expect(next.params[0]).toBeCloseTo(1 + 1 / 6, 6);
    expect(next.params[1]).toBeCloseTo(2 + 1 / 6, 6);
    expect(next.adam!.t).toBe(1);
    // m = (1 - beta1) g, v = (1 - beta2) g^2.
    expect(next.adam!.m[0]).toBeCloseTo(0.1 * -0.5, 7);
    expect(next.adam!.v[1]).toBeCloseTo(0.001 * 0.25, 9);
  });

  it('Adam with FOMAML descends the last inner updates instead', () => {
    // g = (-0.5, 0.25): a first Adam step of lr = 0.5 against its sign (epsilon 1e-8 aside).
    const next = outerStep(
      config({ algo: 'fomaml', outer: { eps0: 0.5, eps1: 0.5, optimizer: 'adam' } }),
      state(),
      null,
      RESULTS,
      0.5,
      learner,
    );
    expect(next.params[0]).toBeCloseTo(1.5, 6);
    expect(next.params[1]).toBeCloseTo(1.5, 6);
  });

  it("FOMAML's sampling term ascends explorationTerm * alpha * mean_i(exploration gradient_i)", () => {
    const exploring = [
      { ...RESULTS[0]!, explorationGradient: f32(1, 0) },
      { ...RESULTS[1]!, explorationGradient: f32(3, -2) },
    ];
    // term = 2 * 0.25 = 0.5; grad = (-0.5, 0.25) - 0.5 * (2, -1) = (-1.5, 0.75); theta - 0.5 grad.
    const explore = config({
      algo: 'fomaml',
      explorationTerm: 2,
      inner: { steps: 2, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.25 } },
    });
    const next = outerStep(explore, state(), null, exploring, 0.5, learner);
    expect(Array.from(next.params)).toEqual([1.75, 1.625]);
  });

  it('hands the init statistics and each task statistics to the learner to pool', () => {
    const withStats = RESULTS.map((r, i) => ({ ...r, obsNorm: `task ${i}` }));
    const next = outerStep(config({}), state(), null, withStats, 0.5, learner);
    expect(next.obsNorm).toEqual({ init: 'init stats', adapted: ['task 0', 'task 1'] });
  });

  it('FOMAML with return-gap factors divides each task last update by its own factor before the mean', () => {
    // factor = clip((0 - R) / 1, 0.1, 4) of the batch each update was computed from: update 2 uses returns[1].
    const gapped = [
      { ...RESULTS[0]!, stats: { returns: [-3, -2, 0], envSteps: 0, wallSeconds: 0 } },
      { ...RESULTS[1]!, stats: { returns: [-1, -0.5, 0], envSteps: 0, wallSeconds: 0 } },
    ];
    const gap = config({
      algo: 'fomaml',
      inner: {
        steps: 2,
        episodesPerUpdate: 2,
        learner: { algo: 'vpg', alpha: 0.3, returnGapStep: { bestReturn: 0, typicalGap: 1 } },
      },
    });
    // ((-0.5, 1) / 2 + (-0.5, -0.5) / 0.5) / 2 = (-0.625, -0.25); theta - 0.5 * that.
    const next = outerStep(gap, state(), null, gapped, 0.5, learner);
    expect(Array.from(next.params)).toEqual([1.3125, 2.125]);
  });
});

describe('the outer step on other shapes of input', () => {
  it('a sine config steps as an RL one: Reptile eps * mean_i(theta_i - theta), FOMAML the last updates', () => {
    const sine = (algo: string) =>
      parseTrainConfig({
        env: 'sine',
        algo,
        iterations: 2,
        metaBatchSize: 2,
        hidden: [8],
        inner: { steps: 2, lr: 0.02, points: 10, batchSize: 10 },
      });
    expect(Array.from(outerStep(sine('reptile'), state(), null, RESULTS, 0.5, learner).params)).toEqual([
      1.25, 2.25,
    ]);
    expect(Array.from(outerStep(sine('fomaml'), state(), null, RESULTS, 0.5, learner).params)).toEqual([
      1.25, 1.875,
    ]);
  });

  it('FOMAML over three inner steps descends the last of them, not the second', () => {
    // Paths (theta, theta_1, theta_2): the last update starts at theta_2, as RESULTS' before-last points.
    const three = RESULTS.map((r) => ({ ...r, path: [THETA, f32(9, 9), r.path![1]!] }));
    const steps3 = (learnerFields: Record<string, unknown>) =>
      config({
        algo: 'fomaml',
        inner: { steps: 3, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, ...learnerFields } },
      });
    expect(Array.from(outerStep(steps3({}), state(), null, three, 0.5, learner).params)).toEqual([
      1.25, 1.875,
    ]);
    // With return-gap factors, update 3 is scaled by the factor of returns[2]: clip(-R, 0.1, 4) = 2 and 0.5.
    const gapped = [
      { ...three[0]!, stats: { returns: [-3, -3, -2, 0], envSteps: 0, wallSeconds: 0 } },
      { ...three[1]!, stats: { returns: [-1, -1, -0.5, 0], envSteps: 0, wallSeconds: 0 } },
    ];
    const gap = steps3({ returnGapStep: { bestReturn: 0, typicalGap: 1 } });
    expect(Array.from(outerStep(gap, state(), null, gapped, 0.5, learner).params)).toEqual([1.3125, 2.125]);
  });
});

describe('Meta-SGD in the outer step', () => {
  const scales = (log: number[]) => ({ ...stepScalesInit(2), log: f32(...log) });

  it('Reptile: each log step size moves lr along sign(mean_i final gradient_i * (theta_i - theta))', () => {
    // Task credits: (1, -1) * (1, 3) = (1, -3) and (0, 2) * (5, 1) = (0, 2); mean (0.5, -0.5).
    const withGradients = [
      { ...RESULTS[0]!, path: [THETA], finalGradient: f32(1, 3) },
      { ...RESULTS[1]!, path: [THETA], finalGradient: f32(5, 1) },
    ];
    const metaSgd = config({
      inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3 } },
      metaSgd: { lr: 0.125 },
    });
    const start = state({ stepScales: scales([0, 0]) });
    const next = outerStep(metaSgd, start, innerMultipliers(start), withGradients, 0.5, learner);
    expect(next.stepScales!.log[0]).toBeCloseTo(0.125, 6);
    expect(next.stepScales!.log[1]).toBeCloseTo(-0.125, 6);
    expect(next.stepScales!.adam.t).toBe(1);
    expect(Array.from(next.params)).toEqual([1.25, 2.25]);

    const clipped = config({
      inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3 } },
      metaSgd: { lr: 0.125, maxScale: 1.05 },
    });
    const bounded = outerStep(clipped, start, innerMultipliers(start), withGradients, 0.5, learner);
    expect(bounded.stepScales!.log[0]).toBeCloseTo(Math.log(1.05), 6);
    expect(bounded.stepScales!.log[1]).toBeCloseTo(-Math.log(1.05), 6);
  });

  it('without metaSgd in the config a state with step scales steps none', () => {
    const start = state({ stepScales: scales([0, 0]) });
    expect(outerStep(config({}), start, null, RESULTS, 0.5, learner).stepScales).toBeNull();
  });

  it('FOMAML reads its credits back from the inner updates and steps the init along alpha * g (initStep "gradient")', () => {
    // Multipliers exp(s) = (2, 0.5) over ln 2 and -ln 2. The init's step divides them out of the last update:
    // g = ((-0.5, 1) + (-0.5, -0.5)) / 2 / (2, 0.5) = (-0.25, 0.5).
    const log = [Math.log(2), -Math.log(2)];
    const start = state({ stepScales: scales(log) });
    const multipliers = innerMultipliers(start)!;
    expect(multipliers[0]![0]).toBeCloseTo(2, 6);
    expect(multipliers[0]![1]).toBeCloseTo(0.5, 6);
    const fomaml = (initStep: 'gradient' | 'update') =>
      config({ algo: 'fomaml', metaSgd: { lr: 0.125, initStep } });
    const byGradient = outerStep(fomaml('gradient'), start, multipliers, RESULTS, 0.5, learner);
    expect(byGradient.params[0]).toBeCloseTo(1 + 0.5 * 0.25, 6);
    expect(byGradient.params[1]).toBeCloseTo(2 - 0.5 * 0.5, 6);
    const byUpdate = outerStep(fomaml('update'), start, multipliers, RESULTS, 0.5, learner);
    expect(Array.from(byUpdate.params)).toEqual([1.25, 1.875]);

    // Credits (reach 1): the gradient after update 1, read back from update 2 as (theta_2 - theta_1) / (alpha m),
    // times update 1 (theta_1 - theta_0). A: (0.5, -1) / (0.3 (2, 0.5)) * (0.5, 0) = (5/12, 0);
    // B: (0.5, 0.5) / (0.3 (2, 0.5)) * (-0.5, 1.5) = (-5/12, 5). Mean (0, 2.5): the first stays, the second ascends.
    const credits = byGradient.stepScales!.log;
    expect(credits[0]).toBeCloseTo(Math.log(2), 6);
    expect(credits[1]).toBeCloseTo(-Math.log(2) + 0.125, 6);
  });
});
