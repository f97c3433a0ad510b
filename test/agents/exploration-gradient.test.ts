import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { episodeWeights, explorationGradient } from '../../src/agents/exploration-gradient.js';
import { makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import type { RolloutBatch } from '../../src/agents/rollout.js';
import { Rng } from '../../src/core/rng.js';
import { makeVectorEnv } from '../../src/envs/registry.js';

const OBS = 3;
const ACT = 2;

/** A hand-made batch: episodes of the given lengths, random normalized observations and actions. */
function batchOf(lengths: number[], seed: number): RolloutBatch {
  const rng = new Rng(seed);
  const size = lengths.reduce((a, b) => a + b, 0);
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  return {
    obsDim: OBS,
    actDim: ACT,
    size,
    normObs: draw(size * OBS),
    actions: draw(size * ACT),
    episodeLengths: lengths,
  } as unknown as RolloutBatch;
}

/** grad log pi(a_t | s_t) at the policy's params, step by step, flat in the policy's order. */
function stepScores(policy: GaussianPolicy, batch: RolloutBatch): Float32Array[] {
  const specs = policy.specsOf('pi');
  return Array.from({ length: batch.size }, (_, t) =>
    tf.tidy(() => {
      const x = tf.tensor2d(batch.normObs.subarray(t * OBS, (t + 1) * OBS), [1, OBS]);
      const a = tf.tensor2d(batch.actions.subarray(t * ACT, (t + 1) * ACT), [1, ACT]);
      const { grads } = tf.variableGrads(
        () => policy.logProbTensor(x, a).sum() as tf.Scalar,
        policy.variablesOf('pi'),
      );
      const flat = new Float32Array(policy.numParams);
      policy.variablesOf('pi').forEach((v, i) => {
        flat.set(grads[v.name]!.dataSync() as Float32Array, specs[i]!.offset);
      });
      return flat;
    }),
  );
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('the meta-gradient sampling term (exploration gradient)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('weights each step by its episode sum minus the mean over episodes', () => {
    const batch = batchOf([2, 3, 1], 1);
    const perStep = [1, 2, 0, 0, 3, -6];
    const weights = episodeWeights(batch, (t) => perStep[t]!);
    // Episode sums 3, 3, -6; mean 0.
    expect(Array.from(weights)).toEqual([3, 3, 3, 3, 3, -6]);
    expect(() => episodeWeights({ ...batch, episodeLengths: [2, 3] }, () => 1)).toThrow(
      'episodes cover 5 steps, the batch has 6',
    );
  });

  it('equals sum_j (w_j - mean w) grad log p(tau_j) with w_j = (1/N) sum_t A_t grad log pi_t . v, computed exactly', () => {
    const policy = GaussianPolicy.create(
      { hiddenSizes: [5], activation: 'tanh', valueFunction: false },
      OBS,
      ACT,
      4,
    );
    const scratch = policy.clone();
    const batch = batchOf([3, 4, 2], 2);
    const advantages = Float32Array.from({ length: batch.size }, (_, t) => Math.sin(t + 1));
    const theta0 = policy.getParams();
    const rng = new Rng(9);
    const direction = Float32Array.from(theta0, () => 0.01 * rng.normal());

    const scores = stepScores(policy, batch);
    let t = 0;
    const w = batch.episodeLengths.map((length) => {
      let sum = 0;
      for (const end = t + length; t < end; t++)
        sum += (advantages[t]! * dot(scores[t]!, direction)) / batch.size;
      return sum;
    });
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const expected = new Float64Array(theta0.length);
    t = 0;
    batch.episodeLengths.forEach((length, j) => {
      for (const end = t + length; t < end; t++) {
        for (let i = 0; i < expected.length; i++) expected[i]! += (w[j]! - mean) * scores[t]![i]!;
      }
    });

    const got = explorationGradient(scratch, batch, advantages, theta0, direction);
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    for (let i = 0; i < expected.length; i++)
      expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-2 * scale);
    // Linear in the direction, and nothing without one.
    const doubled = explorationGradient(
      scratch,
      batch,
      advantages,
      theta0,
      direction.map((x) => 2 * x),
    );
    for (let i = 0; i < expected.length; i++)
      expect(Math.abs(doubled[i]! - 2 * got[i]!)).toBeLessThan(1e-2 * scale);
    const none = explorationGradient(scratch, batch, advantages, theta0, new Float32Array(theta0.length));
    expect(none.every((x) => x === 0)).toBe(true);
    policy.dispose();
    scratch.dispose();
  });

  it('VPG returns it for exactly two updates, and leaves the adaptation itself unchanged', async () => {
    const task = {
      goal: { kind: 'position', position: [1.5, -1] },
      dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
    };
    const venv = await makeVectorEnv('ball-nav', 4, { task, maxEpisodeSteps: 30 });
    const policy = GaussianPolicy.create({ hiddenSizes: [8], valueFunction: false }, 4, 2, 3);
    const learner = makeLearner({ algo: 'vpg', alpha: 0.3 });
    const budget = { updates: 2, episodesPerUpdate: 4, measureFinal: false };
    const plain = await learner.adapt(policy, venv, budget, 7);
    const withTerm = await learner.adapt(policy, venv, budget, 7, {}, { explorationGradient: true });
    expect(plain.explorationGradient).toBeUndefined();
    expect(Array.from(withTerm.policy.getParams())).toEqual(Array.from(plain.policy.getParams()));
    const term = withTerm.explorationGradient!;
    expect(term).toHaveLength(policy.numParams);
    expect(term.some((x) => x !== 0)).toBe(true);
    await expect(
      learner.adapt(policy, venv, { ...budget, updates: 3 }, 7, {}, { explorationGradient: true }),
    ).rejects.toThrow('updates');
    for (const r of [plain, withTerm]) r.policy.dispose();
    policy.dispose();
    venv.close();
  });
});
