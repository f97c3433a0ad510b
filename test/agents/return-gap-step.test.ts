import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { returnGapFactor, returnGapStepSchema } from '../../src/agents/return-gap-step.js';
import { makeVectorEnv } from '../../src/envs/registry.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { updateMultipliers } from '../../src/meta/meta-sgd.js';
import { readMetrics, tempDir, tinyBallNav, train } from '../meta/helpers.js';

const TASK = {
  goal: { kind: 'position', position: [1.5, -1] },
  dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
};

/** One VPG update on ball-nav from a fixed init and seed: the adapted params and the batch's mean return. */
async function oneUpdate(learner: Record<string, unknown>) {
  const venv = await makeVectorEnv('ball-nav', 4, { task: TASK, maxEpisodeSteps: 30 });
  const policy = GaussianPolicy.create({ hiddenSizes: [8] }, 4, 2, 3);
  const result = await makeLearner({ algo: 'vpg', ...learner }).adapt(
    policy,
    venv,
    { updates: 1, episodesPerUpdate: 4, measureFinal: false },
    7,
  );
  const out = { params: result.policy.getParams(), batchReturn: result.stats.returns[0]! };
  result.policy.dispose();
  policy.dispose();
  venv.close();
  return out;
}

describe('return-gap step size (Polyak-style)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('scales with the gap to the best return, clipped to [minFactor, maxFactor]', () => {
    const step = returnGapStepSchema.parse({ bestReturn: 0, typicalGap: 100 });
    expect(returnGapFactor(step, -50)).toBe(0.5);
    expect(returnGapFactor(step, -250)).toBe(2.5);
    expect(returnGapFactor(step, -1000)).toBe(4);
    expect(returnGapFactor(step, 30)).toBe(0.1);
    expect(() =>
      returnGapStepSchema.parse({ bestReturn: 0, typicalGap: 1, minFactor: 5, maxFactor: 2 }),
    ).toThrow('minFactor must be <= maxFactor');
  });

  it('a VPG update with it is the fixed-step update with alpha times the factor of its batch', async () => {
    const gap = { bestReturn: 0, typicalGap: 25 };
    const scaled = await oneUpdate({ alpha: 0.3, returnGapStep: gap });
    const factor = returnGapFactor(returnGapStepSchema.parse(gap), scaled.batchReturn);
    expect(factor).not.toBe(1);
    const fixed = await oneUpdate({ alpha: 0.3 * factor });
    expect(fixed.batchReturn).toBe(scaled.batchReturn);
    expect(Array.from(scaled.params)).toEqual(Array.from(fixed.params));
    const unscaled = await oneUpdate({ alpha: 0.3 });
    expect(Array.from(unscaled.params)).not.toEqual(Array.from(scaled.params));
  });

  it('config errors name the field', () => {
    const bad = (returnGapStep: unknown) =>
      tinyBallNav({
        inner: { steps: 2, episodesPerUpdate: 2, learner: { algo: 'vpg', returnGapStep } },
      });
    expect(() => bad({ bestReturn: 0, typicalGap: -3 })).toThrow('inner.learner.returnGapStep.typicalGap');
    expect(() => bad({ bestReturn: 0 })).toThrow('inner.learner.returnGapStep.typicalGap');
    expect(() => bad({ bestReturn: 0, typicalGap: 1, extra: 1 })).toThrow('extra');
    const explore = {
      algo: 'fomaml',
      explorationTerm: 1,
      inner: {
        steps: 2,
        episodesPerUpdate: 2,
        learner: { algo: 'vpg', returnGapStep: { bestReturn: 0, typicalGap: 1 } },
      },
    };
    expect(() => tinyBallNav(explore)).toThrow(
      'inner.learner.returnGapStep: expected null with explorationTerm > 0',
    );
  });

  it("Meta-SGD's per-update multipliers carry each update's factor", () => {
    const m = [new Float32Array([1, 2]), new Float32Array([0.5, 4])];
    expect(updateMultipliers(m, [2, 3, 0.5], 2).map((v) => Array.from(v))).toEqual([
      [2, 4],
      [1.5, 12],
      [0.25, 2],
    ]);
    expect(updateMultipliers(null, [2, 3], 2).map((v) => Array.from(v))).toEqual([
      [2, 2],
      [3, 3],
    ]);
  });

  it('FOMAML + Meta-SGD divide the factors out: the init steps along alpha * g, the step sizes learn the same', async () => {
    // alpha * factor is 0.3 in all three runs, so their inner updates are identical; the init step is alpha * g.
    const run = async (alpha: number, factor: number | null) => {
      const returnGapStep =
        factor === null ? null : { bestReturn: 0, typicalGap: 1, minFactor: factor, maxFactor: factor };
      const config = tinyBallNav({
        algo: 'fomaml',
        iterations: 1,
        metaSgd: { lr: 0.5, initStep: 'gradient' },
        inner: { steps: 2, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha, returnGapStep } },
      });
      const dir = tempDir();
      await train(config, dir);
      const { checkpoint } = await loadLatestCheckpoint(dir);
      return {
        params: checkpoint.params,
        scales: checkpoint.stepScales!.log,
        returns: readMetrics(dir)[0]!.taskReturns,
      };
    };
    const a = await run(0.3, null);
    const b = await run(0.15, 2);
    const c = await run(0.075, 4);
    expect(b.returns).toEqual(a.returns);
    expect(c.returns).toEqual(a.returns);
    expect(Array.from(b.scales)).toEqual(Array.from(a.scales));
    // theta_a - theta_b = 0.15 g and theta_b - theta_c = 0.075 g (times eps): the first is twice the second.
    const ab = a.params.map((x, i) => x - b.params[i]!);
    const bc = b.params.map((x, i) => x - c.params[i]!);
    const norm = (v: Float32Array) => Math.hypot(...v);
    expect(norm(ab)).toBeGreaterThan(1e-3);
    expect(norm(ab.map((x, i) => x - 2 * bc[i]!)) / norm(ab)).toBeLessThan(1e-3);
  });

  it('parses in a train config with its defaults', () => {
    const config = tinyBallNav({
      inner: {
        steps: 2,
        episodesPerUpdate: 2,
        learner: { algo: 'vpg', returnGapStep: { bestReturn: 0, typicalGap: 170 } },
      },
    });
    expect(config.env === 'ball-nav' && config.inner.learner).toMatchObject({
      returnGapStep: { bestReturn: 0, typicalGap: 170, minFactor: 0.1, maxFactor: 4 },
    });
  });
});
