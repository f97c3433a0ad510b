import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { collectEpisodes } from '../../src/agents/rollout.js';
import { deriveSeed } from '../../src/core/rng.js';
import { makeVectorEnv } from '../../src/envs/registry.js';

const task = {
  goal: { kind: 'position', position: [1, -1] },
  dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
};
const ppo = { algo: 'ppo', updateEpochs: 2, numMinibatches: 2 } as const;

/** A small ball-nav policy with a value net and two context inputs (obs 4 + context 2). */
const contextPolicy = () =>
  GaussianPolicy.create(
    { hiddenSizes: [8], obsNorm: false, valueFunction: true, contextDim: 2, initLogStd: -0.5 },
    6,
    2,
    3,
  );

describe('a weight learner learning from batches another learner collected (priorBatches, keepBatches)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('PPO on a prior batch makes the very update it would make on the same batch collected itself', async () => {
    const venv = await makeVectorEnv('ball-nav', 4, { task, maxEpisodeSteps: 30, contextDim: 2 });
    const policy = contextPolicy();
    const learner = makeLearner(ppo);
    const seed = 7;
    const own = await learner.adapt(
      policy,
      venv,
      { updates: 1, episodesPerUpdate: 4, measureFinal: false },
      seed,
    );
    const batch = await collectEpisodes(policy, venv, 4, deriveSeed(seed, 0), { values: true });
    const prior = await learner.adapt(
      policy,
      venv,
      { updates: 0, episodesPerUpdate: 4, measureFinal: false },
      seed,
      {},
      { priorBatches: [batch] },
    );
    expect(prior.policy.getParams()).not.toEqual(policy.getParams());
    expect(prior.policy.getParams()).toEqual(own.policy.getParams());
    expect(prior.paramsBeforeUpdates).toEqual([policy.getParams()]);
    // Neither measured nor counted here: its collector counted its steps.
    expect(prior.stats).toMatchObject({ returns: [], envSteps: 0 });
    // With a measuring batch after it, that batch is reported as collected after one update.
    const events: number[] = [];
    const measured = await learner.adapt(
      policy,
      venv,
      { updates: 0, episodesPerUpdate: 4 },
      seed,
      { onBatch: (event) => events.push(event.update) },
      { priorBatches: [batch] },
    );
    expect(events).toEqual([1]);
    expect(measured.stats.returns).toHaveLength(1);
    measured.policy.dispose();
    for (const r of [own, prior]) r.policy.dispose();
    policy.dispose();
    venv.close();
  });

  it('the context learner hands over the batches its steps used, with values, and adapts exactly as without', async () => {
    const venv = await makeVectorEnv('ball-nav', 4, { task, maxEpisodeSteps: 30, contextDim: 2 });
    const policy = contextPolicy();
    const learner = makeLearner({ algo: 'context', lr: 2, sigma: 0.5 });
    const budget = { updates: 2, episodesPerUpdate: 4 };
    const plain = await learner.adapt(policy, venv, budget, 1);
    const kept = await learner.adapt(policy, venv, budget, 1, {}, { keepBatches: true });
    expect(kept.context).toEqual(plain.context);
    expect(kept.stats.returns).toEqual(plain.stats.returns);
    expect(plain.batches).toBeUndefined();
    expect(kept.batches).toHaveLength(2);
    for (const batch of kept.batches!) expect(batch.values.some((v) => v !== 0)).toBe(true);
    for (const r of [plain, kept]) r.policy.dispose();
    policy.dispose();
    venv.close();
  });

  it('learners that cannot take part say so, naming the learner', async () => {
    const venv = await makeVectorEnv('ball-nav', 2, { task, maxEpisodeSteps: 5, contextDim: 2 });
    const policy = contextPolicy();
    const batch = await collectEpisodes(policy, venv, 2, 0, { values: true });
    const budget = { updates: 1, episodesPerUpdate: 2 };
    const cases = [
      [
        { algo: 'vpg' },
        { priorBatches: [batch] },
        /learner\.algo: expected "ppo" to learn from prior batches, got "vpg"/,
      ],
      [
        { algo: 'context' },
        { priorBatches: [batch] },
        /expected "ppo" to learn from prior batches, got "context"/,
      ],
      [ppo, { keepBatches: true }, /learner\.algo: expected "context" to keep its batches, got "ppo"/],
    ] as const;
    for (const [config, options, message] of cases) {
      await expect(makeLearner(config).adapt(policy, venv, budget, 0, {}, options)).rejects.toThrow(message);
    }
    policy.dispose();
    venv.close();
  });
});
