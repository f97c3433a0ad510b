import type { Subject } from 'rxjs';
import { isSineConfig, type TrainConfig } from './config.js';
import type { AdaptJob, AdaptResult } from './meta-learner.js';

/** Progress inside a meta-iteration: its adaptation jobs done so far and the env steps they used. */
export interface JobProgress {
  /** The meta-iteration (0-based, as in metrics.jsonl). */
  iteration: number;
  jobsDone: number;
  /** Jobs of the whole iteration. */
  jobs: number;
  /** Env steps of this iteration's finished jobs. */
  envSteps: number;
}

/** Jobs of one meta-iteration: one a task; pretraining one a task per inner step (or one in all, sequential). */
export function jobsPerIteration(config: TrainConfig): number {
  if (config.algo !== 'pretrain') return config.metaBatchSize;
  if (!isSineConfig(config) && config.pretrainMode === 'sequential') return 1;
  return config.metaBatchSize * config.inner.steps;
}

/** A callback for each finished job that publishes the running counts of its iteration on `progress$`. */
export function jobCounter(config: TrainConfig, progress$: Subject<JobProgress>) {
  const jobs = jobsPerIteration(config);
  let current: JobProgress | null = null;
  return (job: AdaptJob, result: AdaptResult): AdaptResult => {
    if (current?.iteration !== job.iteration)
      current = { iteration: job.iteration, jobsDone: 0, jobs, envSteps: 0 };
    current = {
      ...current,
      jobsDone: current.jobsDone + 1,
      envSteps: current.envSteps + result.stats.envSteps,
    };
    progress$.next(current);
    return result;
  };
}
