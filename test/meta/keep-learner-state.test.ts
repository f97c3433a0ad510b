import { describe, expect, it } from 'vitest';
import type { PpoState } from '../../src/agents/ppo-state.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { runSchedule } from '../../src/meta/pretrain-step.js';
import { encodeJob } from '../../src/meta/queue/wire.js';
import { rlMetaLearner } from '../../src/meta/rl-learner.js';
import { readMetrics, tempDir, tinyBallNav, train } from './helpers.js';

/** Sequential PPO pretraining in miniature: 2 tasks a batch (one a copy), 2 updates an iteration. */
function sequentialPpo(overrides: Record<string, unknown> = {}) {
  return tinyBallNav({
    algo: 'pretrain',
    pretrainMode: 'sequential',
    iterations: 3,
    inner: {
      steps: 2,
      episodesPerUpdate: 2,
      learner: { algo: 'ppo', updateEpochs: 2, numMinibatches: 2, annealLr: true },
    },
    policy: { hiddenSizes: [8], valueFunction: true },
    keepLearnerState: true,
    ...overrides,
  });
}

const paramsOf = async (dir: string) => Array.from((await loadLatestCheckpoint(dir)).checkpoint.params);

describe('keepLearnerState: sequential pretraining as one PPO run', () => {
  it('carries the Adams and reward statistics through iterations and checkpoints; 3 iterations = 2 + resume + 1', async () => {
    const [kept, resumed, fresh] = [tempDir(), tempDir(), tempDir()];
    await train(sequentialPpo(), kept);
    await train(sequentialPpo(), resumed, { stopAfter: 2 });
    await train(sequentialPpo(), resumed, { resume: true });
    await train(sequentialPpo({ keepLearnerState: false }), fresh);
    const state = (await loadLatestCheckpoint(kept)).checkpoint.learnerState as PpoState;
    // 3 iterations x 2 updates x 2 epochs x 2 minibatches; 3 x 2 batches of 2 episodes x 20 steps of rewards.
    expect(state.policyAdam!.t).toBe(24);
    expect(state.valueAdam!.t).toBe(24);
    expect(state.rewards!.count).toBe(240);
    expect(await paramsOf(resumed)).toEqual(await paramsOf(kept));
    const returns = (dir: string) => readMetrics(dir).map((m) => m.taskReturns);
    expect(returns(resumed)).toEqual(returns(kept));
    // The first iteration starts fresh either way; from the second on, the carried state makes the difference.
    expect(returns(fresh)[0]).toEqual(returns(kept)[0]);
    expect(returns(fresh)[1]).not.toEqual(returns(kept)[1]);
    expect((await loadLatestCheckpoint(fresh)).checkpoint.learnerState).toBeUndefined();
  }, 120_000);

  it('anneals over the run: by env steps under a budget, by iterations otherwise', () => {
    const config = sequentialPpo() as RlTrainConfig;
    expect(runSchedule(config, { iteration: 1, envSteps: 80 })).toEqual({ from: 1 / 3, to: 2 / 3 });
    // 2 updates x 2 episodes x 20 steps at most an iteration.
    const budgeted = sequentialPpo({ envStepBudget: 200, iterations: 100 }) as RlTrainConfig;
    expect(runSchedule(budgeted, { iteration: 1, envSteps: 60 })).toEqual({ from: 0.3, to: 0.7 });
    expect(runSchedule(budgeted, { iteration: 3, envSteps: 180 })).toEqual({ from: 0.9, to: 1 });
  });

  it('is refused where there is no one PPO run to carry, naming the field', () => {
    expect(() => sequentialPpo({ pretrainMode: 'pooled', metaBatchSize: 3 })).toThrow(
      'pretrainMode: expected "sequential" with keepLearnerState, got "pooled"',
    );
    expect(() => sequentialPpo({ algo: 'reptile' })).toThrow(
      'algo: expected "pretrain" with keepLearnerState, got "reptile"',
    );
    expect(() =>
      sequentialPpo({ inner: { steps: 2, episodesPerUpdate: 2, learner: { algo: 'vpg' } } }),
    ).toThrow('inner.learner.algo: expected "ppo" with keepLearnerState, got "vpg"');
    const absent = parseTrainConfig({ ...sequentialPpo(), keepLearnerState: undefined }) as RlTrainConfig;
    expect(absent.keepLearnerState).toBe(false);
  });

  it('a job that carries a learner state is refused by the queue, not sent without it', async () => {
    const learner = await rlMetaLearner(sequentialPpo() as RlTrainConfig);
    const { params, obsNorm } = await learner.init(0);
    const fields = { iteration: 0, taskIndex: 0, params, obsNorm, task: learner.sampleTasks(2, 1), seed: 1 };
    expect(() => encodeJob(learner.job({ ...fields, carry: { state: null } }), 'ab')).toThrow(
      'keepLearnerState: expected false with --queue',
    );
    expect(encodeJob(learner.job(fields), 'ab').seed).toBe(1);
  });
});
