/**
 * The worker-thread side of the job pool: one piscina task = one adaptation job. Each worker thread owns its envs,
 * policy and tfjs backend (cached by rl-learner.ts across jobs). A job's own error comes back as data
 * ({ ok: false }), so that a rejected piscina promise always means the worker itself died.
 */
import { TerrariumError } from '../core/errors.js';
import { runAdaptJob } from './jobs.js';
import { type AdaptJob, type AdaptResult, transferList } from './meta-learner.js';
import { movable } from './transfer.js';

export interface JobError {
  name: string;
  message: string;
  stack?: string;
  path?: string;
  value?: unknown;
  expected?: string;
}

export type WorkerReply = { ok: true; result: AdaptResult } | { ok: false; error: JobError };

export default async function adaptInWorker(job: AdaptJob): Promise<WorkerReply> {
  try {
    const result = await runAdaptJob(job);
    const reply: WorkerReply = { ok: true, result };
    return movable(reply, transferList(result)) as unknown as WorkerReply;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const data: JobError = { name: e.name, message: e.message, stack: e.stack };
    if (e instanceof TerrariumError) Object.assign(data, e.toJSON());
    return { ok: false, error: data };
  }
}
