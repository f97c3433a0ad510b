import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { createEpisodeCollector } from '../../src/agents/episode-collector.js';
import { type LearnerConfigInput, makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { type PpoState, parsePpoState } from '../../src/agents/ppo-state.js';
import { TerrariumError } from '../../src/core/errors.js';
import { makeVectorEnv } from '../../src/envs/registry.js';

const TASK = {
  goal: { kind: 'position', position: [1.5, -1] },
  dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
};
const PPO: LearnerConfigInput = { algo: 'ppo', updateEpochs: 2, numMinibatches: 4, annealLr: false };
const BUDGET = { updates: 2, episodesPerUpdate: 4 };

async function setup() {
  const options = { task: TASK, maxEpisodeSteps: 20 };
  const venv = await makeVectorEnv('ball-nav', 4, options);
  const policy = GaussianPolicy.create({ hiddenSizes: [8] }, 4, 2, 3);
  return { venv, policy, options };
}

describe("PPO's carried state (LearnerCarry)", () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('returns both Adams and the reward statistics, and a call from them differs from a fresh one', async () => {
    const { venv, policy } = await setup();
    const learner = makeLearner(PPO);
    const first = await learner.adapt(policy, venv, BUDGET, 1, {}, { carry: { state: null } });
    const state = first.state as PpoState;
    // 2 updates x 2 epochs x 4 minibatches of Adam steps; one running estimate over both batches' 160 rewards.
    expect(state.policyAdam!.t).toBe(16);
    expect(state.valueAdam!.t).toBe(16);
    expect(state.policyAdam!.m.length).toBe(policy.variablesOf('pi').reduce((n, v) => n + v.size, 0));
    expect(state.rewards!.count).toBe(160);
    const plain = await learner.adapt(first.policy, venv, BUDGET, 2);
    const carried = await learner.adapt(first.policy, venv, BUDGET, 2, {}, { carry: { state } });
    const fresh = await learner.adapt(first.policy, venv, BUDGET, 2, {}, { carry: { state: null } });
    expect(plain.state).toBeUndefined();
    expect(fresh.policy.getParams()).toEqual(plain.policy.getParams());
    expect(carried.policy.getParams()).not.toEqual(plain.policy.getParams());
    expect((carried.state as PpoState).policyAdam!.t).toBe(32);
    expect((carried.state as PpoState).rewards!.count).toBe(320);
    // The caller's state is not changed by the call that continued it.
    expect(state.policyAdam!.t).toBe(16);
    for (const r of [first, plain, carried, fresh]) r.policy.dispose();
    policy.dispose();
    venv.close();
  }, 60_000);

  it('anneals over the schedule it is given: at the end of a run the learning rate is 0', async () => {
    const { venv, policy } = await setup();
    const learner = makeLearner({ ...PPO, annealLr: true } as LearnerConfigInput);
    const before = policy.getParams();
    const done = await learner.adapt(
      policy,
      venv,
      BUDGET,
      1,
      {},
      { carry: { state: null, schedule: { from: 1, to: 1 } } },
    );
    expect(done.policy.getParams()).toEqual(before);
    const start = await learner.adapt(
      policy,
      venv,
      BUDGET,
      1,
      {},
      { carry: { state: null, schedule: { from: 0, to: 0 } } },
    );
    const call = await learner.adapt(policy, venv, BUDGET, 1);
    // A constant rate (a schedule that has not begun) against annealing within the call.
    expect(start.policy.getParams()).not.toEqual(call.policy.getParams());
    expect(start.policy.getParams()).not.toEqual(before);
    for (const r of [done, start, call]) r.policy.dispose();
    policy.dispose();
    venv.close();
  }, 60_000);

  it('gives the same bits with the value net on a thread of its own', async () => {
    const results = [];
    for (const threads of [1, 2]) {
      const { venv, policy, options } = await setup();
      const collector = createEpisodeCollector(venv, { env: 'ball-nav', options }, threads);
      const learner = makeLearner(PPO);
      const first = await learner.adapt(policy, venv, BUDGET, 1, {}, { collector, carry: { state: null } });
      const second = await learner.adapt(
        first.policy,
        venv,
        BUDGET,
        2,
        {},
        { collector, carry: { state: first.state! } },
      );
      results.push({ params: second.policy.getParams(), state: second.state as PpoState });
      for (const r of [first, second]) r.policy.dispose();
      await collector.close();
      policy.dispose();
      venv.close();
    }
    const [one, two] = results;
    expect(two!.state.valueAdam!.t).toBe(32);
    expect(two!.state).toEqual(one!.state);
    expect(two!.params).toEqual(one!.params);
  }, 60_000);

  it('VPG and the context learner refuse a carried state, naming the learner', async () => {
    const { venv, policy } = await setup();
    for (const config of [{ algo: 'vpg' }, { algo: 'context' }] as LearnerConfigInput[]) {
      const adapt = makeLearner(config).adapt(policy, venv, BUDGET, 1, {}, { carry: { state: null } });
      await expect(adapt).rejects.toThrow(TerrariumError);
      await expect(adapt).rejects.toThrow(/learner\.algo: expected "ppo" to keep the learner state/);
    }
    policy.dispose();
    venv.close();
  });

  it('checks a carried state from a checkpoint, naming the field, before any update', async () => {
    const { venv, policy } = await setup();
    const learner = makeLearner(PPO);
    const first = await learner.adapt(policy, venv, BUDGET, 1, {}, { carry: { state: null } });
    const state = first.state as PpoState;
    const adam = state.policyAdam!;
    const bad: [unknown, string][] = [
      [
        { ...state, policyAdam: { ...adam, v: adam.v.slice(1) } },
        'learnerState.policyAdam.v: expected m and v of the same length',
      ],
      [
        { ...state, valueAdam: { ...adam, t: -1 } },
        'learnerState.valueAdam.t: expected a value >= 0, got -1',
      ],
      [{ ...state, rewards: { ...state.rewards!, mean: Number.NaN } }, 'learnerState.rewards.mean'],
      [{ ...state, policyAdam: { ...adam, m: Array.from(adam.m) } }, 'learnerState.policyAdam.m'],
      [{ ...state, policyAdam: { ...adam, v: adam.v.map(() => -1) } }, 'expected finite numbers >= 0'],
      [{ policyAdam: null, valueAdam: null }, 'learnerState.rewards'],
      ['{}', 'learnerState: expected object'],
    ];
    for (const [input, message] of bad) {
      expect(() => parsePpoState(input)).toThrow(message);
      const before = policy.getParams();
      await expect(learner.adapt(policy, venv, BUDGET, 2, {}, { carry: { state: input } })).rejects.toThrow(
        message,
      );
      expect(policy.getParams()).toEqual(before);
    }
    expect(parsePpoState(state)).toEqual(state);
    expect(parsePpoState(undefined)).toBeNull();
    first.policy.dispose();
    policy.dispose();
    venv.close();
  }, 60_000);
});
