import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { setFusedDenseLayers } from '../../src/agents/dense-layer.js';
import { type LearnerConfigInput, makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { makeVectorEnv } from '../../src/envs/registry.js';

const TASK = {
  goal: { kind: 'position', position: [1.5, -1] },
  dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
};

async function adaptOnce(
  config: LearnerConfigInput,
  updates: number,
  episodes: number,
  seed: number,
  steps = 100,
) {
  const venv = await makeVectorEnv('ball-nav', 4, { task: TASK, maxEpisodeSteps: steps });
  const policy = GaussianPolicy.create({ valueFunction: config.algo === 'ppo' }, 4, 2, 3);
  const result = await makeLearner(config).adapt(
    policy,
    venv,
    { updates, episodesPerUpdate: episodes },
    seed,
  );
  venv.close();
  return { policy, result };
}

describe('learners on ball-nav', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('VPG with 3 updates improves the return (fixed seed)', async () => {
    const { policy, result } = await adaptOnce({ algo: 'vpg' }, 3, 20, 1, 50);
    const { returns, envSteps } = result.stats;
    expect(returns.length).toBe(4);
    expect(envSteps).toBe(4 * 20 * 50);
    expect(returns[3]!).toBeGreaterThan(returns[0]! + 20);
    policy.dispose();
    result.policy.dispose();
  }, 30_000);

  it('PPO with a few updates improves the return (fixed seed)', async () => {
    const { policy, result } = await adaptOnce({ algo: 'ppo', updateEpochs: 5, numMinibatches: 4 }, 4, 8, 2);
    const { returns } = result.stats;
    expect(returns.length).toBe(5);
    expect(returns[4]!).toBeGreaterThan(returns[0]! + 10);
    policy.dispose();
    result.policy.dispose();
  }, 30_000);

  it('same seed, same task, same config give the same returns; the input policy is untouched', async () => {
    for (const algo of ['vpg', 'ppo'] as const) {
      const venv = await makeVectorEnv('ball-nav', 2, { task: TASK, maxEpisodeSteps: 20 });
      const policy = GaussianPolicy.create({}, 4, 2, 3);
      const before = policy.getParams();
      // PPO's default 32 minibatches of an 80-step batch would be 2-sample minibatches: 4 keep the test quick.
      const learner = makeLearner(algo === 'ppo' ? { algo, numMinibatches: 4 } : { algo });
      const a = await learner.adapt(policy, venv, { updates: 2, episodesPerUpdate: 4 }, 11);
      const b = await learner.adapt(policy, venv, { updates: 2, episodesPerUpdate: 4 }, 11);
      const c = await learner.adapt(policy, venv, { updates: 2, episodesPerUpdate: 4 }, 12);
      expect(b.stats.returns).toEqual(a.stats.returns);
      expect(b.policy.getParams()).toEqual(a.policy.getParams());
      expect(c.stats.returns).not.toEqual(a.stats.returns);
      expect(policy.getParams()).toEqual(before);
      expect(a.paramsBeforeUpdates).toHaveLength(2);
      expect(a.paramsBeforeUpdates[0]).toEqual(before);
      expect(a.paramsBeforeUpdates[1]).not.toEqual(before);
      for (const r of [a, b, c]) r.policy.dispose();
      policy.dispose();
      venv.close();
    }
  }, 30_000);

  it('no tensors leak: numTensors is the same after 100 updates as after 1', async () => {
    const venv = await makeVectorEnv('ball-nav', 1, { task: TASK, maxEpisodeSteps: 4 });
    const policy = GaussianPolicy.create({ hiddenSizes: [8] }, 4, 2, 3);
    const configs: LearnerConfigInput[] = [
      { algo: 'vpg' },
      { algo: 'vpg', baseline: 'value', maxGradNorm: 1 },
      { algo: 'ppo', updateEpochs: 1, numMinibatches: 2, annealLr: true },
    ];
    for (const config of configs) {
      const learner = makeLearner(config);
      const one = await learner.adapt(policy, venv, { updates: 1, episodesPerUpdate: 1 }, 0);
      one.policy.dispose();
      const afterOne = tf.memory().numTensors;
      const many = await learner.adapt(policy, venv, { updates: 100, episodesPerUpdate: 1 }, 0);
      many.policy.dispose();
      expect(tf.memory().numTensors).toBe(afterOne);
    }
    policy.dispose();
    venv.close();
  }, 30_000);

  it('rejects bad configs naming the field', () => {
    expect(() => makeLearner({ algo: 'ppo', clipCoef: -1 })).toThrow(/learner\.clipCoef/);
    expect(() => makeLearner({ algo: 'sac' } as never)).toThrow(/learner\.algo/);
    expect(() => makeLearner({ algo: 'vpg', alpah: 0.1 } as never)).toThrow(/alpah/);
  });
});

describe('the fused dense layers leave learning unchanged', () => {
  it('PPO on a fixed seed gives the same returns and parameters, to float32 drift, with fused or plain ops', async () => {
    await initBackend('wasm');
    const run = async (fused: boolean) => {
      setFusedDenseLayers(fused);
      const { policy, result } = await adaptOnce(
        { algo: 'ppo', updateEpochs: 3, numMinibatches: 4 },
        2,
        8,
        2,
        50,
      );
      const out = { returns: result.stats.returns, params: result.policy.getParams() };
      policy.dispose();
      result.policy.dispose();
      return out;
    };
    const fused = await run(true);
    const plain = await run(false);
    setFusedDenseLayers(true);
    fused.returns.forEach((r, i) => {
      expect(Math.abs(r - plain.returns[i]!), `return ${i}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(r)));
    });
    let worst = 0;
    for (let i = 0; i < fused.params.length; i++)
      worst = Math.max(worst, Math.abs(fused.params[i]! - plain.params[i]!));
    expect(worst).toBeLessThan(1e-3);
  }, 60_000);
});
