import { describe, expect, it } from 'vitest';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { createJobRunner } from '../../src/meta/pool.js';
import { rlMetaLearner } from '../../src/meta/rl-learner.js';

/** The oracle's shape in miniature: pretrain "sequential", one task a copy, the task observed, PPO. */
function oracleLike(rolloutThreads: number | undefined, workers: number): RlTrainConfig {
  return parseTrainConfig({
    env: 'ant',
    algo: 'pretrain',
    pretrainMode: 'sequential',
    observeTask: true,
    iterations: 1,
    metaBatchSize: 4,
    maxEpisodeSteps: 25,
    inner: {
      steps: 2,
      episodesPerUpdate: 4,
      rolloutThreads,
      learner: { algo: 'ppo', updateEpochs: 2, numMinibatches: 2 },
    },
    policy: { hiddenSizes: [16], valueFunction: true },
    workers,
    backend: 'wasm',
  }) as RlTrainConfig;
}

describe('inner.rolloutThreads', () => {
  it('a job gives the same result on 1 rollout thread in the main thread and on 2 from a worker thread', async () => {
    const results = [];
    for (const [threads, workers] of [
      [1, 0],
      [2, 1],
      [undefined, 0],
    ] as const) {
      const config = oracleLike(threads, workers);
      const learner = await rlMetaLearner(config);
      const { params, obsNorm } = await learner.init(3);
      const tasks = learner.sampleTasks(4, 5);
      const runner = createJobRunner({ workers });
      try {
        const job = learner.job({
          iteration: 0,
          taskIndex: 0,
          params,
          obsNorm,
          task: tasks,
          seed: 8,
          measureFinal: false,
        });
        const r = await runner.run(job);
        results.push({
          params: Array.from(r.params),
          obsNorm: r.obsNorm,
          returns: r.stats.returns,
          envSteps: r.stats.envSteps,
          init: Array.from(params),
        });
      } finally {
        await runner.close();
      }
    }
    const [one, two, inJobThread] = results;
    // Without rolloutThreads the job collects as before (one noise stream for all copies): the threaded path ran.
    expect(inJobThread!.params).not.toEqual(one!.params);
    expect(one!.params).not.toEqual(one!.init);
    expect(two!.returns).toEqual(one!.returns);
    expect(two!.envSteps).toBe(one!.envSteps);
    expect(two!.params).toEqual(one!.params);
    expect(two!.obsNorm).toEqual(one!.obsNorm);
  }, 120_000);

  it('is refused with context inputs, naming the field', () => {
    expect(() =>
      parseTrainConfig({
        ...oracleLike(2, 0),
        policy: { hiddenSizes: [16], contextDim: 2 },
      }),
    ).toThrow(/inner\.rolloutThreads: expected absent with context inputs/);
    expect(() => oracleLike(0, 0)).toThrow(/inner\.rolloutThreads/);
  });
});
