import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { collectEpisodes } from '../../src/agents/rollout.js';
import { makeVectorEnv } from '../../src/envs/registry.js';

/** An env-step budget (train-task's --steps): env steps used = asked, whatever the episodes' lengths. */
describe('an env-step budget', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('a batch cut by the budget uses exactly the budget; the episodes it cut end truncated and bootstrap', async () => {
    const venv = await makeVectorEnv('ball-nav', 3, { maxEpisodeSteps: 20 });
    const policy = GaussianPolicy.create({ valueFunction: true }, 4, 2, 1);
    // 6 episodes of 20 steps would take 120 env steps; 47 cuts them: 15 steps on each copy, then 2 more.
    const batch = collectEpisodes(policy, venv, 6, 7, { values: true, maxEnvSteps: 47 });
    expect(batch.envSteps).toBe(47);
    expect(batch.size).toBe(47);
    const ends = [...batch.truncated.keys()].filter((t) => batch.truncated[t]);
    expect(ends).toEqual([15, 31, 46]);
    for (const t of ends) expect(batch.bootstrapValues[t]).not.toBe(0);
    // No episode finished: the cut ones are the batch's episodes, with their partial lengths.
    expect(batch.episodeLengths).toEqual([16, 16, 15]);
    policy.dispose();
    venv.close();
  });

  it('with episodes that never end early, the same run as whole batches of planned updates (PPO, annealed)', async () => {
    const venv = await makeVectorEnv('cheetah', 2, { maxEpisodeSteps: 25 });
    const policy = GaussianPolicy.create({ hiddenSizes: [16], valueFunction: true }, 17, 6, 3);
    const learner = makeLearner({ algo: 'ppo', numMinibatches: 2, updateEpochs: 2 });
    const byUpdates = await learner.adapt(policy, venv, { updates: 3, episodesPerUpdate: 2 }, 11);
    const bySteps = await learner.adapt(
      policy,
      venv,
      { updates: 3, episodesPerUpdate: 2, envSteps: 4 * 2 * 25 },
      11,
    );
    expect(bySteps.stats.envSteps).toBe(byUpdates.stats.envSteps);
    expect(bySteps.stats.returns).toEqual(byUpdates.stats.returns);
    expect(bySteps.policy.getParams()).toEqual(byUpdates.policy.getParams());
    byUpdates.policy.dispose();
    bySteps.policy.dispose();
    policy.dispose();
    venv.close();
  }, 60_000);

  it('a robot that falls early gets its whole budget: more updates than planned, env steps used = asked', async () => {
    // The ant under a policy with wide action noise falls well before its 200-step horizon.
    const venv = await makeVectorEnv('ant', 2);
    const policy = GaussianPolicy.create({ hiddenSizes: [16], initLogStd: 1 }, 27, 8, 5);
    const learner = makeLearner({ algo: 'vpg' });
    const planned = 1;
    const asked = 2 * 2 * 200 + 123;
    const result = await learner.adapt(
      policy,
      venv,
      { updates: planned, episodesPerUpdate: 2, envSteps: asked },
      4,
    );
    expect(result.stats.envSteps).toBe(asked);
    expect(result.stats.returns.length - 1).toBeGreaterThan(planned);
    result.policy.dispose();
    policy.dispose();
    venv.close();
  }, 60_000);
});
