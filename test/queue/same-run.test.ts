import { basename } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { announceQueue } from '../../src/meta/queue/announce.js';
import { parseQueueUrl, queueName, redisOptions } from '../../src/meta/queue/connection.js';
import { readMetrics, tempDir, tinyBallNav, tinySine, train } from '../meta/helpers.js';
import { type RedisServer, startRedis, startWorker, type WorkerProcess } from './redis-server.js';

describe('queue runner', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    workers = await Promise.all([startWorker(redis.url), startWorker(redis.url)]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await redis?.stop();
  });

  const queue = () => ({ connection: parseQueueUrl(redis.url) });

  /**
   * Announces the run's queue before the run and waits until every worker serves it. Otherwise the worker that finds
   * the queue first can take all of a tiny run's jobs before the other's next look (once a second).
   */
  async function allWorkersServe(runDir: string): Promise<void> {
    const name = queueName(basename(runDir), runDir);
    const announcer = new Queue(name, { connection: redisOptions(parseQueueUrl(redis.url), false) });
    try {
      await announceQueue(await announcer.backend.client, name);
      const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await Promise.all(workers.map((w) => w.waitFor(new RegExp(`serving ${escaped}`))));
    } finally {
      await announcer.close();
    }
  }

  it('a ball-nav run on the queue with 2 worker processes equals the in-thread run bit for bit', async () => {
    const config = tinyBallNav({ backend: 'wasm', metaBatchSize: 3 });
    const [inThread, onQueue] = [tempDir(), tempDir()];
    await train(config, inThread);
    await allWorkersServe(onQueue);
    await train(config, onQueue, { queue: queue() });
    const a = readMetrics(inThread);
    const b = readMetrics(onQueue);
    expect(a).toHaveLength(2);
    expect(b.map((m) => m.taskReturns)).toEqual(a.map((m) => m.taskReturns));
    expect(b.map((m) => m.envSteps)).toEqual(a.map((m) => m.envSteps));
    const [ca, cb] = [await loadLatestCheckpoint(inThread), await loadLatestCheckpoint(onQueue)];
    expect(Buffer.from(cb.params.buffer).equals(Buffer.from(ca.params.buffer))).toBe(true);
    expect(cb.obsNorm).toEqual(ca.obsNorm);
    // Both processes took part.
    for (const w of workers) expect(w.output()).toMatch(/iteration \d+, task \d+ done/);
  });

  it('a sine run on the queue equals the in-thread run bit for bit', async () => {
    const config = tinySine({ metaBatchSize: 4 });
    const [inThread, onQueue] = [tempDir(), tempDir()];
    await train(config, inThread);
    await train(config, onQueue, { queue: queue() });
    expect(readMetrics(onQueue).map((m) => m.taskReturns)).toEqual(
      readMetrics(inThread).map((m) => m.taskReturns),
    );
    const [ca, cb] = [await loadLatestCheckpoint(inThread), await loadLatestCheckpoint(onQueue)];
    expect(Buffer.from(cb.params.buffer).equals(Buffer.from(ca.params.buffer))).toBe(true);
  });
});
