/**
 * Runs adaptation jobs: in the main thread (`workers: 0`) or on a piscina pool of worker threads. Params travel as
 * transferred Float32Arrays. A worker that dies mid-job (crash, OOM, terminate) is replaced by piscina and the job is
 * retried on a fresh one (each attempt gets its own copy of the params), up to `maxRetries` times.
 *
 * Worker entry: dist/meta/worker.js when running the built package; when running from the TypeScript sources
 * (vitest, tsx) the worker loads src/meta/worker.ts through tsx's loader (`--import tsx`), so tests always exercise
 * the current sources, never a stale build.
 */
import type { Worker } from 'node:worker_threads';
import { TerrariumError } from '../core/errors.js';
import { fixedThreadPool } from '../core/thread-pool.js';
import { type AdaptJob, type AdaptResult, transferList } from './meta-learner.js';
import { movable } from './transfer.js';
import type { JobError, WorkerReply } from './worker.js';

export interface JobRunner {
  /** Worker threads (0: jobs run in the calling thread; Infinity: a queue that any number of workers serve). */
  readonly workers: number;
  /** `signal` stops an in-thread job between its updates (with the signal's reason); workers ignore it. */
  run(job: AdaptJob, signal?: AbortSignal): Promise<AdaptResult>;
  /** The live worker threads (tests kill one to check that its job is retried). */
  threads(): readonly Worker[];
  close(): Promise<void>;
}

export interface JobRunnerOptions {
  workers: number;
  /** Attempts after the first when a worker dies (default 2). */
  maxRetries?: number;
  /** Told about each worker that died and the job that is retried. */
  onWorkerCrash?: (info: { iteration: number; taskIndex: number; attempt: number; error: Error }) => void;
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  if (options.workers === 0) {
    // Imported on demand, so a sine run in the main thread never loads tfjs and Rapier.
    return {
      workers: 0,
      run: async (job, signal) =>
        job.kind === 'sine'
          ? (await import('./sine-learner.js')).runSineJob(job)
          : (await import('./jobs.js')).runAdaptJob(job, signal),
      threads: () => [],
      close: async () => {},
    };
  }
  const pool = fixedThreadPool(import.meta.url, 'worker', options.workers);
  const maxRetries = options.maxRetries ?? 2;
  let closing = false;

  async function run(job: AdaptJob): Promise<AdaptResult> {
    for (let attempt = 0; ; attempt++) {
      const copy: AdaptJob = { ...job, params: job.params.slice() };
      let reply: WorkerReply;
      try {
        reply = await pool.run(movable(copy, transferList({ params: copy.params })));
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        if (closing) throw e;
        if (attempt >= maxRetries) {
          throw new Error(
            `job (iteration ${job.iteration}, task ${job.taskIndex}) failed ${attempt + 1} times: ${e.message}`,
          );
        }
        options.onWorkerCrash?.({ iteration: job.iteration, taskIndex: job.taskIndex, attempt, error: e });
        continue;
      }
      if (!reply.ok) throw reviveError(reply.error);
      return reply.result;
    }
  }

  return {
    workers: options.workers,
    run,
    threads: () => pool.threads,
    close: () => {
      closing = true;
      return pool.destroy();
    },
  };
}

function reviveError(data: JobError): Error {
  const error =
    data.path !== undefined && data.expected !== undefined
      ? new TerrariumError(data.path, data.value, data.expected)
      : new Error(data.message);
  error.message = data.message;
  if (data.stack) error.stack = data.stack;
  return error;
}
