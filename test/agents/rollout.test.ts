import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { collectEpisodes, meanReturn } from '../../src/agents/rollout.js';
import { makeVectorEnv } from '../../src/envs/registry.js';

describe('collectEpisodes', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('collects whole episodes; truncated ones bootstrap from V(final obs)', async () => {
    const venv = await makeVectorEnv('ball-nav', 3, { maxEpisodeSteps: 20 });
    const policy = GaussianPolicy.create({}, 4, 2, 1);
    const batch = collectEpisodes(policy, venv, 5, 42, { values: true });
    expect(batch.episodeLengths).toEqual([20, 20, 20, 20, 20]);
    expect(batch.size).toBe(100);
    expect(batch.envSteps).toBe(2 * 20 * 3); // copies 0 and 1 run two episodes; copy 2 one (then discarded steps)
    const ends = [...batch.truncated.keys()].filter((t) => batch.truncated[t]);
    expect(ends).toEqual([19, 39, 59, 79, 99]);
    expect(Array.from(batch.timesteps.subarray(0, 21))).toEqual([...Array(20).keys(), 0]);
    // Bootstraps are the value of the final observation, which is not the next row's observation (autoreset).
    for (const t of ends) expect(batch.bootstrapValues[t]).not.toBe(0);
    expect(batch.bootstrapValues.filter((v, t) => v !== 0 && !batch.truncated[t]).length).toBe(0);
    const sum = batch.rewards.subarray(0, 20).reduce((a, b) => a + b, 0);
    expect(batch.episodeReturns[0]).toBeCloseTo(sum, 3);
    expect(meanReturn(batch)).toBeCloseTo(batch.episodeReturns.reduce((a, b) => a + b) / 5, 6);
    // The stored values are the policy's values for the stored observations.
    const v = policy.values(batch.obs.subarray(0, 4 * 4), 'tfjs');
    for (let i = 0; i < 4; i++) expect(batch.values[i]).toBeCloseTo(v[i]!, 4);
    policy.dispose();
    venv.close();
  });

  it('a terminated episode (the ball pushed off the plane) does not bootstrap', async () => {
    const venv = await makeVectorEnv('ball-nav', 2);
    const policy = GaussianPolicy.create({ hiddenSizes: [8] }, 4, 2, 1);
    // Full force along +x, almost no noise: the ball slides off the 10 m arena and falls.
    const params = policy.getParams();
    const bias = policy.specs.find((s) => s.name === 'pi/mean/bias')!;
    const logStd = policy.specs.find((s) => s.name === 'pi/log_std')!;
    params.fill(0, 0, bias.offset);
    params.set([5, 0], bias.offset);
    params.set([-10, -10], logStd.offset);
    policy.setParams(params);
    const batch = collectEpisodes(policy, venv, 2, 1, { values: true });
    expect(batch.episodeLengths.every((n) => n < 100)).toBe(true);
    const last = batch.episodeLengths[0]! - 1;
    expect(batch.terminated[last]).toBe(1);
    expect(batch.truncated[last]).toBe(0);
    expect(batch.bootstrapValues[last]).toBe(0);
    policy.dispose();
    venv.close();
  });

  it('the same seed gives the same batch; a policy for other dims is refused', async () => {
    const venv = await makeVectorEnv('ball-nav', 2, { maxEpisodeSteps: 10 });
    const policy = GaussianPolicy.create({}, 4, 2, 1);
    const a = collectEpisodes(policy, venv, 4, 9);
    const b = collectEpisodes(policy, venv, 4, 9);
    expect(b.actions).toEqual(a.actions);
    expect(b.rewards).toEqual(a.rewards);
    const other = GaussianPolicy.create({}, 5, 2, 1);
    expect(() => collectEpisodes(other, venv, 1, 0)).toThrow(
      /obs 4, act 2 to match the env, got "a policy with obs 5, act 2"/,
    );
    policy.dispose();
    other.dispose();
    venv.close();
  });
});
