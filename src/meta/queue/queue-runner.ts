/**
 * The third JobRunner: adaptation jobs go to a BullMQ queue on Redis, named after the run, and any number of
 * `terrarium worker` processes on any hosts run them. Results are matched to jobs by id, so they come back in task
 * order whatever order they finish in; job seeds come from the run; so a queue run equals an in-thread run bit for
 * bit.
 *
 * Faults: a killed worker's job stalls and BullMQ hands it to another worker (the workers' stall timeout); a
 * reply is taken once (the first, by job id) and a reply of an earlier iteration or trainer session matches no
 * pending id and is ignored; a job's own error comes back as data and stops the run with that error, named; if
 * Redis restarts (and loses its data), the trainer, which checks its pending jobs every second, queues the lost
 * ones again; if Redis stays unreachable for `redisTimeoutMs`, the run stops with an error that says so.
 */
import { randomUUID } from 'node:crypto';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { TerrariumError } from '../../core/errors.js';
import type { AdaptJob, AdaptResult } from '../meta-learner.js';
import type { JobRunner } from '../pool.js';
import { announceQueue, withdrawQueue } from './announce.js';
import { checkRedis, type QueueConnection, redisOptions } from './connection.js';
import { repeatAfter } from './repeat-after.js';
import { decodeReply, encodeJob, type JobErrorWire } from './wire.js';

export interface QueueStatus {
  /** `terrarium worker` processes serving this run's queue. */
  workers: number;
  /** Their names (host:pid), as each worker gave it to Redis. */
  names: string[];
  waiting: number;
  active: number;
}

export interface QueueRunnerOptions {
  connection: QueueConnection;
  /** The run's queue (connection.ts: queueName). */
  name: string;
  /** Called with every status sample (about once a second). */
  onStatus?: (status: QueueStatus) => void;
  /** How long Redis may stay unreachable before the run stops (default 60 s). */
  redisTimeoutMs?: number;
  /** How often pending jobs are checked and the queue announced (default 1 s). */
  checkEveryMs?: number;
  /** Told about lost jobs queued again, Redis outages and workers joining or leaving. */
  onNotice?: (notice: string) => void;
}

export interface QueueRunner extends JobRunner {
  /** The latest status, sampled at every check (null before the first). */
  status(): QueueStatus | null;
}

interface Pending {
  job: AdaptJob;
  resolve(result: AdaptResult): void;
  reject(error: Error): void;
}

export async function createQueueRunner(options: QueueRunnerOptions): Promise<QueueRunner> {
  const { connection, name } = options;
  const redisTimeoutMs = options.redisTimeoutMs ?? 60_000;
  const notice = options.onNotice ?? (() => {});
  await checkRedis(connection);
  const queue = new Queue(name, {
    connection: redisOptions(connection, false),
    // Each 'completed' event carries the reply (the adapted params): keep few; the check every second covers any
    // event trimmed before it was read.
    streams: { events: { maxLen: 256 } },
  });
  const events = new QueueEvents(name, { connection: redisOptions(connection, true) });
  let lastRedisError = '';
  const remember = (error: Error) => {
    lastRedisError = error.message;
  };
  queue.on('error', remember);
  events.on('error', remember);
  try {
    await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), 10_000);
    // Jobs left waiting by an earlier trainer of this run (killed, then --resume) are not ours to run.
    await queue.drain(true);
    await announceQueue(await queue.backend.client, name);
  } catch (error) {
    // close() waits for a connection that may never come (a wrong password); drop the connections instead.
    await Promise.allSettled([queue.disconnect(), events.disconnect()]);
    throw new TerrariumError(
      '--queue',
      connection.shown,
      'a reachable Redis server',
      lastRedisError || (error as Error).message,
    );
  }

  // Job ids carry this session's id: a reply to another session's job (an earlier trainer) matches nothing here.
  const session = randomUUID().replaceAll('-', '').slice(0, 12);
  const pending = new Map<string, Pending>();
  let latest: QueueStatus | null = null;
  let unreachableSince: number | null = null;
  let closing = false;

  const jobId = (job: AdaptJob) => `${session}-${job.iteration}-${job.taskIndex}`;
  const add = (id: string, job: AdaptJob) =>
    queue.add('adapt', encodeJob(job, session), {
      jobId: id,
      attempts: 1,
      // Taken replies are removed at once; these bound what a stopped trainer leaves behind.
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 3600, count: 1000 },
    });

  /** Takes the job's reply if it has one; queues it again if Redis lost it. */
  async function settle(id: string): Promise<void> {
    const entry = pending.get(id);
    if (!entry) return; // already taken, or not this session's job
    const job: Job | undefined = await queue.getJob(id);
    if (!pending.has(id)) return;
    if (!job) {
      notice(
        `job ${id} (iteration ${entry.job.iteration}, task ${entry.job.taskIndex}) was lost; queued again`,
      );
      await add(id, entry.job);
      return;
    }
    if (job.finishedOn === undefined) return;
    pending.delete(id);
    if (job.failedReason && job.returnvalue == null) {
      entry.reject(
        new Error(
          `job (iteration ${entry.job.iteration}, task ${entry.job.taskIndex}) failed on the queue: ${job.failedReason}`,
        ),
      );
      return;
    }
    // The iteration's last reply: the status first, so the progress line after it shows this moment's workers.
    if (pending.size === 0) await sample().catch(() => {});
    try {
      const reply = decodeReply(job.returnvalue, entry.job);
      if (reply.ok) entry.resolve(reply.result);
      else entry.reject(jobError(reply.error, entry.job, reply.worker));
    } catch (error) {
      entry.reject(error as Error);
    }
    job.remove().catch(() => {});
  }

  const settleQuietly = (id: string) => {
    settle(id).catch(() => {}); // Redis unreachable: the next check tries again
  };
  events.on('completed', ({ jobId: id }) => settleQuietly(id));
  events.on('failed', ({ jobId: id }) => settleQuietly(id));

  async function sample(): Promise<void> {
    const [clients, counts] = await Promise.all([
      queue.getWorkers(),
      queue.getJobCounts('waiting', 'active'),
    ]);
    const workers = clients.length;
    if (latest && workers !== latest.workers)
      notice(`queue: ${workers} worker(s) connected (was ${latest.workers})`);
    const names = clients.map((c) => /:w:(.*)$/.exec(c.rawname ?? '')?.[1] ?? '?').sort();
    latest = { workers, names, waiting: counts.waiting ?? 0, active: counts.active ?? 0 };
    options.onStatus?.(latest);
  }

  /** Every second: the queue announced, every pending job checked, the status sampled; outages timed. */
  async function check(): Promise<void> {
    try {
      await announceQueue(await queue.backend.client, name);
      for (const id of [...pending.keys()]) await settle(id);
      await sample();
      if (unreachableSince !== null) notice(`Redis at ${connection.shown} is back; the run goes on`);
      unreachableSince = null;
    } catch (error) {
      const now = Date.now();
      if (unreachableSince === null) {
        unreachableSince = now;
        notice(`Redis at ${connection.shown} is unreachable (${(error as Error).message}); waiting for it`);
      } else if (now - unreachableSince > redisTimeoutMs) {
        const stop = new TerrariumError(
          '--queue',
          connection.shown,
          'a reachable Redis server',
          `unreachable for ${Math.round((now - unreachableSince) / 1000)} s: ${lastRedisError || (error as Error).message}; ` +
            'the run stopped; continue it with --resume',
        );
        for (const [id, entry] of pending) {
          pending.delete(id);
          entry.reject(stop);
        }
      }
    }
  }

  await check();
  const checks = repeatAfter(options.checkEveryMs ?? 1000, check);

  return {
    workers: Number.POSITIVE_INFINITY,
    status: () => latest,
    threads: () => [],
    run: (job) =>
      new Promise<AdaptResult>((resolve, reject) => {
        if (closing) return reject(new Error('the queue runner is closed'));
        const id = jobId(job);
        pending.set(id, { job, resolve, reject });
        // Unreachable Redis: the check every second queues it once Redis is back (it finds no such job).
        add(id, job).catch(() => {});
      }),
    close: async () => {
      closing = true;
      checks.stop();
      for (const [id, entry] of pending) {
        pending.delete(id);
        entry.reject(new Error('the queue runner closed'));
      }
      await Promise.allSettled([
        (async () => {
          await queue.drain(true);
          await withdrawQueue(await queue.backend.client, name);
        })(),
      ]);
      await Promise.allSettled([queue.close(), events.close()]);
    },
  };
}

function jobError(data: JobErrorWire, job: AdaptJob, worker: string): Error {
  const where = `job (iteration ${job.iteration}, task ${job.taskIndex}) failed on worker ${worker}`;
  const error =
    data.path !== undefined && data.expected !== undefined
      ? new TerrariumError(data.path, data.value, data.expected)
      : new Error(data.message);
  error.message = `${where}: ${data.message}`;
  return error;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
