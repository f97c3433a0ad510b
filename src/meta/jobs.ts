import type { AdaptJob, AdaptResult } from './meta-learner.js';
import { runRlJob } from './rl-learner.js';
import { runSineJob } from './sine-learner.js';

/**
 * Runs one adaptation job in the current thread: the one entry point shared by the serial trainer and the workers.
 * (Imported statically: dynamic imports inside worker threads do not go through tsx's loader when running from
 * the TypeScript sources.)
 */
export async function runAdaptJob(job: AdaptJob, signal?: AbortSignal): Promise<AdaptResult> {
  return job.kind === 'sine' ? runSineJob(job) : runRlJob(job, signal);
}
