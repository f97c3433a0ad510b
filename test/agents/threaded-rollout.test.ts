import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { createEpisodeCollector, type EpisodeCollector } from '../../src/agents/episode-collector.js';
import { makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import type { RolloutBatch } from '../../src/agents/rollout.js';
import { TerrariumError } from '../../src/core/errors.js';
import { envEntry, makeVectorEnv } from '../../src/envs/registry.js';
import type { VectorEnv } from '../../src/envs/vector-env.js';

const ENV = { env: 'ant', options: { maxEpisodeSteps: 30 } };
const NUM_ENVS = 4;

/** Every typed array and list of a batch, as plain arrays (toEqual on these is bit-for-bit for floats). */
function plain(batch: RolloutBatch): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(batch).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]),
  );
}

describe('rollouts on worker threads', () => {
  let venv: VectorEnv<unknown>;
  const collectors: EpisodeCollector[] = [];
  beforeAll(async () => {
    await initBackend('wasm');
    venv = await makeVectorEnv(ENV.env, NUM_ENVS, ENV.options);
    for (const threads of [1, 2, 3]) collectors.push(createEpisodeCollector(venv, ENV, threads));
  });
  afterAll(async () => {
    for (const c of collectors) await c.close();
    venv.close();
  });

  it('1, 2 and 3 threads give the same PPO run for a seed, bit for bit (batches, returns, params, obs stats)', async () => {
    const fresh = GaussianPolicy.create({ hiddenSizes: [16, 16] }, venv.obsDim, venv.actDim, 5);
    const initialParams = Array.from(fresh.getParams());
    fresh.dispose();
    const runs = [];
    for (const collector of collectors) {
      const policy = GaussianPolicy.create({ hiddenSizes: [16, 16] }, venv.obsDim, venv.actDim, 5);
      const batches: Record<string, unknown>[] = [];
      const learner = makeLearner({ algo: 'ppo', updateEpochs: 2, numMinibatches: 4 });
      // 6 episodes on 4 copies: uneven quotas, and slices of 2+2 and 1+1+2 copies.
      const result = await learner.adapt(
        policy,
        venv,
        { updates: 2, episodesPerUpdate: 6 },
        11,
        { onBatch: (e) => batches.push(plain(e.batch)) },
        { collector },
      );
      runs.push({
        threads: collector.threads,
        returns: result.stats.returns,
        envSteps: result.stats.envSteps,
        params: Array.from(result.policy.getParams()),
        obsNorm: result.policy.getObsNorm(),
        batches,
      });
      result.policy.dispose();
      policy.dispose();
    }
    expect(runs.map((r) => r.threads)).toEqual([1, 2, 3]);
    const [one, ...others] = runs;
    // The run learned something, so equal params are not equal by standing still.
    expect(one!.params).not.toEqual(initialParams);
    for (const other of others) {
      expect(other.returns).toEqual(one!.returns);
      expect(other.envSteps).toBe(one!.envSteps);
      expect(other.batches).toEqual(one!.batches);
      expect(other.params).toEqual(one!.params);
      expect(other.obsNorm).toEqual(one!.obsNorm);
    }
  }, 120_000);

  it('a threaded batch is what the policy would do: its normalization, values and log-probs; whole episodes', async () => {
    const policy = GaussianPolicy.create(
      { hiddenSizes: [16, 16], initLogStd: -0.5 },
      venv.obsDim,
      venv.actDim,
      2,
    );
    const warmup = await collectors[0]!.collect(policy, 4, 1);
    policy.updateObsNorm(warmup.obs); // statistics that are not the identity
    const batch = await collectors[1]!.collect(policy, 5, 3, { values: true });
    expect(collectors[1]!.sliceCpuSeconds.length).toBe(2);
    if (process.platform === 'linux')
      for (const s of collectors[1]!.sliceCpuSeconds) expect(s).toBeGreaterThan(0);

    expect(Array.from(batch.normObs)).toEqual(Array.from(policy.normalize(batch.obs)));
    expect(Array.from(batch.values)).toEqual(Array.from(policy.values(batch.obs, 'typed')));
    const logProbs = tf.tidy(() =>
      policy
        .logProbTensor(
          tf.tensor2d(batch.normObs, [batch.size, batch.obsDim]),
          tf.tensor2d(batch.actions, [batch.size, batch.actDim]),
        )
        .dataSync(),
    );
    for (let i = 0; i < batch.size; i++) expect(batch.logProbs[i]).toBeCloseTo(logProbs[i]!, 3);

    expect(batch.episodeReturns.length).toBe(5);
    expect(batch.envSteps).toBe(batch.size);
    expect(batch.episodeLengths.reduce((a, b) => a + b)).toBe(batch.size);
    let start = 0;
    batch.episodeLengths.forEach((len, e) => {
      const end = start + len - 1;
      expect(Array.from(batch.timesteps.subarray(start, end + 1))).toEqual([...Array(len).keys()]);
      expect(batch.terminated[end]! + batch.truncated[end]!).toBe(1);
      const rewards = batch.rewards.subarray(start, end + 1).reduce((a, b) => a + b, 0);
      expect(batch.episodeReturns[e]).toBeCloseTo(rewards, 3);
      start = end + 1;
    });
    // Truncated steps bootstrap from V(final obs); no other step does.
    const truncated = [...batch.truncated.keys()].filter((t) => batch.truncated[t]);
    expect(truncated.length).toBeGreaterThan(0);
    for (const t of truncated) expect(batch.bootstrapValues[t]).not.toBe(0);
    expect(batch.bootstrapValues.filter((v, t) => v !== 0 && !batch.truncated[t]).length).toBe(0);
    policy.dispose();
  }, 60_000);

  it('per-copy tasks set on the vector env reach the worker threads', async () => {
    const policy = GaussianPolicy.create({ hiddenSizes: [16, 16] }, venv.obsDim, venv.actDim, 4);
    const before = plain(await collectors[1]!.collect(policy, 4, 9));
    venv.setTasks(envEntry('ant').distribution().sampleTrain(NUM_ENVS, 3));
    try {
      const one = plain(await collectors[0]!.collect(policy, 4, 9));
      const two = plain(await collectors[1]!.collect(policy, 4, 9));
      expect(two).toEqual(one);
      expect(two.obs).not.toEqual(before.obs);
    } finally {
      venv.setTasks(envEntry('ant').defaultTask());
      policy.dispose();
    }
  }, 60_000);

  it('a thread count that is not an integer >= 1 is an error naming it', () => {
    expect(() => createEpisodeCollector(venv, ENV, 0)).toThrow(TerrariumError);
    expect(() => createEpisodeCollector(venv, ENV, 1.5)).toThrow(
      /threads: expected an integer >= 1, got 1.5/,
    );
  });
});
