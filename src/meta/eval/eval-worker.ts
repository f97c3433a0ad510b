/**
 * The worker-thread side of a parallel eval (task-jobs.ts): one task of one method a job, the method's env copies,
 * policy and learner built on its first job in this thread and kept for the rest.
 */
import { type BackendName, initBackend } from '../../agents/backend.js';
import { adaptRunner, type TaskJob, type TaskReturns, taskSeeds } from './task-jobs.js';

const runners = new Map<string, ReturnType<typeof adaptRunner>>();

export default async function evalTask(job: TaskJob): Promise<TaskReturns> {
  await initBackend(job.config.backend as BackendName);
  let runner = runners.get(job.method.name);
  if (!runner) {
    runner = adaptRunner(job.config, job.method, job.task);
    runners.set(job.method.name, runner);
    runner.catch(() => runners.delete(job.method.name));
  }
  return taskSeeds(await runner, job);
}
