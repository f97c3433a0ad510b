import { deriveSeed } from '../core/rng.js';
import type { Checkpoint } from './checkpoint.js';
import { isSineConfig, type TrainConfig } from './config.js';
import type { AdaptJob, AdaptResult, MetaLearner } from './meta-learner.js';
import { reptileStep } from './reptile.js';

/** What one pretraining iteration reads from the trainer. */
export interface PretrainContext {
  config: TrainConfig;
  learner: MetaLearner;
  state: Checkpoint;
  runJobs: (jobs: AdaptJob[]) => Promise<AdaptResult[] | 'stop'>;
}

/**
 * The multi-task pretraining baseline: `inner.steps` times, one learner update per task from the shared params,
 * averaged (eps = 1): one update on the pooled tasks. Same tasks and seeds scheme as Reptile, no meta-learning;
 * no batch measures the last update (the budget goes to updates), so a task's returns are those before each one.
 */
export async function pretrainStep(context: PretrainContext, tasks: unknown[], iteration: number) {
  const { config, learner, state, runJobs } = context;
  if (!isSineConfig(config) && config.pretrainMode === 'sequential')
    return sequentialPretrainStep(context, tasks, iteration);
  let params = state.params;
  let obsNorm = state.obsNorm;
  let all: AdaptResult[] = [];
  const taskReturns: number[][] = tasks.map(() => []);
  for (let j = 0; j < config.inner.steps; j++) {
    const jobs = tasks.map((task, taskIndex) =>
      learner.job({
        iteration,
        taskIndex,
        params,
        obsNorm,
        task,
        seed: deriveSeed(config.seed, iteration, taskIndex, j),
        steps: 1,
        measureFinal: false,
      }),
    );
    const results = await runJobs(jobs);
    if (results === 'stop') return 'stop';
    for (const [i, r] of results.entries()) taskReturns[i]!.push(r.stats.returns[0]!);
    params = reptileStep(
      params,
      results.map((r) => r.params),
      1,
    );
    obsNorm = learner.mergeObsNorm(
      obsNorm,
      results.map((r) => r.obsNorm),
    );
    all = all.concat(results);
  }
  return { params, obsNorm, adam: state.adam, stepScales: null, results: all, taskReturns };
}

/** pretrainMode "sequential": one job, its env copies set to the meta-batch's tasks, inner.steps updates in a row. */
async function sequentialPretrainStep(context: PretrainContext, tasks: unknown[], iteration: number) {
  const { config, learner, state, runJobs } = context;
  const job = learner.job({
    iteration,
    taskIndex: 0,
    params: state.params,
    obsNorm: state.obsNorm,
    task: tasks,
    seed: deriveSeed(config.seed, iteration, 0),
    measureFinal: false,
  });
  const results = await runJobs([job]);
  if (results === 'stop') return 'stop';
  const [result] = results as [AdaptResult];
  return {
    params: result.params,
    obsNorm: learner.mergeObsNorm(state.obsNorm, [result.obsNorm]),
    adam: state.adam,
    stepScales: null,
    results,
    taskReturns: [result.stats.returns],
  };
}
