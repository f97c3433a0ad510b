import { deriveSeed } from '../core/rng.js';
import { envEntry } from '../envs/registry.js';
import type { Checkpoint } from './checkpoint.js';
import { isSineConfig, type RlTrainConfig, type TrainConfig } from './config.js';
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

/**
 * The share of the run that the next iteration covers: by env steps where the run has a budget (iteration counts are
 * only a cap then), the iteration counted at its most (every episode to the horizon); by iterations otherwise.
 */
export function runSchedule(config: RlTrainConfig, state: Pick<Checkpoint, 'iteration' | 'envSteps'>) {
  const budget = config.envStepBudget;
  if (budget === undefined) {
    return { from: state.iteration / config.iterations, to: (state.iteration + 1) / config.iterations };
  }
  const horizon = config.maxEpisodeSteps ?? envEntry(config.env).maxEpisodeSteps;
  const planned = config.inner.steps * config.inner.episodesPerUpdate * horizon;
  const from = Math.min(1, state.envSteps / budget);
  return { from, to: Math.min(1, (state.envSteps + planned) / budget) };
}

/**
 * pretrainMode "sequential": one job, its env copies set to the meta-batch's tasks, inner.steps updates in a row;
 * with keepLearnerState, the learner's state from the iteration before, and this iteration's share of the run's
 * learning-rate schedule.
 */
async function sequentialPretrainStep(context: PretrainContext, tasks: unknown[], iteration: number) {
  const { config, learner, state, runJobs } = context;
  const keep = !isSineConfig(config) && config.keepLearnerState;
  const carry = keep
    ? { state: state.learnerState ?? null, schedule: runSchedule(config, state) }
    : undefined;
  const job = learner.job({
    ...(carry ? { carry } : {}),
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
    ...(keep ? { learnerState: result.learnerState ?? null } : {}),
    results,
    taskReturns: [result.stats.returns],
  };
}
