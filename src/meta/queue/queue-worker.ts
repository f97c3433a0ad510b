/**
 * The worker side of the queue (`terrarium worker`): serves every run announced on the Redis server, running each
 * job on a piscina pool of `concurrency` threads, so this process's event loop stays free to renew its job locks
 * (a job whose lock is not renewed for `stallTimeoutMs`, because its process died, is handed to another worker).
 * A job's own error is sent back as data (the trainer stops with it); a job that fails validation likewise.
 * Nothing from the queue is executed: a job is data, checked by wire.ts and by the learner that builds from it.
 */
import { hostname } from 'node:os';
import { type Job, Queue, Worker } from 'bullmq';
import { TerrariumError } from '../../core/errors.js';
import type { AdaptJob } from '../meta-learner.js';
import { createJobRunner } from '../pool.js';
import { announcedQueues } from './announce.js';
import { ANNOUNCE_TTL_MS, checkRedis, type QueueConnection, redisOptions } from './connection.js';
import { repeatAfter } from './repeat-after.js';
import { decodeJob, encodeResult, type ReplyWire } from './wire.js';

export interface QueueWorkerOptions {
  connection: QueueConnection;
  /** Jobs run at once (one worker thread each). */
  concurrency: number;
  /** Runs RL jobs on this tfjs backend instead of the trainer's (results may then differ from the trainer's). */
  backend?: string;
  /** A job whose worker stops renewing its lock for this long goes to another worker (default 30 s). */
  stallTimeoutMs?: number;
  /** How often to look for newly announced runs (default 1 s). */
  discoverEveryMs?: number;
  onLog?: (line: string) => void;
}

export interface QueueWorker {
  /** This worker's name on the queue (host:pid). */
  readonly name: string;
  /** The run queues it serves now. */
  queues(): string[];
  close(): Promise<void>;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const name = `${hostname()}:${process.pid}`;
  const log = options.onLog ?? (() => {});
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  await checkRedis(options.connection);
  const pool = createJobRunner({ workers: options.concurrency });
  const registry = new Queue('terrarium-registry', { connection: redisOptions(options.connection, true) });
  registry.on('error', () => {});
  await registry.waitUntilReady();
  const serving = new Map<string, { worker: Worker; lastSeen: number }>();

  async function runJob(job: Job): Promise<ReplyWire> {
    let adapt: AdaptJob;
    try {
      adapt = decodeJob(job.data).job;
    } catch (error) {
      return failure(error);
    }
    if (options.backend !== undefined && adapt.kind === 'rl') {
      adapt = { ...adapt, spec: { ...adapt.spec, backend: options.backend } };
    }
    try {
      log(`${job.queueName}: iteration ${adapt.iteration}, task ${adapt.taskIndex} started`);
      const result = await pool.run(adapt);
      log(
        `${job.queueName}: iteration ${adapt.iteration}, task ${adapt.taskIndex} done (${result.stats.envSteps} env steps)`,
      );
      return encodeResult(result, name);
    } catch (error) {
      return failure(error);
    }
  }

  function failure(error: unknown): ReplyWire {
    const e = error instanceof Error ? error : new Error(String(error));
    const data = { name: e.name, message: e.message, ...(e instanceof TerrariumError ? e.toJSON() : {}) };
    log(`job failed: ${e.message}`);
    return { ok: false, worker: name, error: data };
  }

  function serve(queueName: string): Worker {
    const worker = new Worker(queueName, runJob, {
      connection: redisOptions(options.connection, true),
      concurrency: options.concurrency,
      name,
      lockDuration: stallTimeoutMs,
      stalledInterval: Math.max(500, Math.round(stallTimeoutMs / 2)),
      // A job may lose its worker this many times (each then runs again elsewhere) before it fails.
      maxStalledCount: 3,
    });
    worker.on('error', () => {}); // Redis outages: ioredis reconnects and the worker goes on
    log(`serving ${queueName}`);
    return worker;
  }

  /** Serves newly announced runs; lets go of runs not announced for a while (finished or dead trainers). */
  async function discover(): Promise<void> {
    const now = Date.now();
    try {
      for (const queueName of await announcedQueues(await registry.backend.client)) {
        const entry = serving.get(queueName);
        if (entry) entry.lastSeen = now;
        else serving.set(queueName, { worker: serve(queueName), lastSeen: now });
      }
    } catch {
      return; // Redis unreachable: try again later, keep serving
    }
    for (const [queueName, entry] of serving) {
      if (now - entry.lastSeen > ANNOUNCE_TTL_MS) {
        serving.delete(queueName);
        log(`done with ${queueName}`);
        entry.worker.close().catch(() => {});
      }
    }
  }

  await discover();
  const discovery = repeatAfter(options.discoverEveryMs ?? 1000, discover);

  return {
    name,
    queues: () => [...serving.keys()],
    close: async () => {
      discovery.stop();
      await Promise.allSettled([...serving.values()].map((entry) => entry.worker.close(true)));
      serving.clear();
      await registry.close();
      await pool.close();
    },
  };
}
