import { Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import type { SineTrainConfig } from '../../src/meta/config.js';
import type { AdaptJob } from '../../src/meta/meta-learner.js';
import { announceQueue } from '../../src/meta/queue/announce.js';
import { parseQueueUrl, redisOptions } from '../../src/meta/queue/connection.js';
import { createQueueRunner } from '../../src/meta/queue/queue-runner.js';
import { sineMetaLearner } from '../../src/meta/sine-learner.js';
import { tinySine } from '../meta/helpers.js';
import { type RedisServer, startRedis, startWorker, type WorkerProcess } from './redis-server.js';

let redis: RedisServer | null = null;
let workers: WorkerProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await Promise.all(workers.map((w) => w.kill()));
  workers = [];
  await redis?.kill();
  redis = null;
});

async function sineJob(task: unknown): Promise<AdaptJob> {
  const learner = sineMetaLearner(tinySine() as SineTrainConfig);
  const { params } = await learner.init(1);
  return learner.job({ iteration: 0, taskIndex: 0, params, obsNorm: null, task, seed: 1 });
}

describe('queue payloads', () => {
  it('a job that fails deterministically stops with its own error, naming the job and the field, not retried', async () => {
    redis = await startRedis();
    workers = [await startWorker(redis.url)];
    const runner = await createQueueRunner({
      connection: parseQueueUrl(redis.url),
      name: 'terrarium-bad-task',
    });
    closers.push(() => runner.close());
    const error = await runner.run(await sineJob({ amplitude: 9, phase: 0 })).catch((e) => e);
    expect(error).toBeInstanceOf(TerrariumError);
    expect(error.path).toBe('task.amplitude');
    expect(error.message).toMatch(
      /^job \(iteration 0, task 0\) failed on worker \S+:\d+: task\.amplitude: expected .*got 9/,
    );
    expect(workers[0]!.output().match(/started/g)).toHaveLength(1);
  });

  it("the worker checks a job's payload: a params length that is no whole number of floats comes back as an error", async () => {
    redis = await startRedis();
    workers = [await startWorker(redis.url)];
    const connection = redisOptions(parseQueueUrl(redis.url), false);
    const queue = new Queue('terrarium-forged', { connection });
    closers.push(() => queue.close());
    await announceQueue(await queue.backend.client, 'terrarium-forged');
    const { encodeJob } = await import('../../src/meta/queue/wire.js');
    const data = { ...encodeJob(await sineJob({ amplitude: 1, phase: 0 }), 'abc'), params: 'AAE=' };
    const job = await queue.add('adapt', data);
    let reply: unknown;
    for (let i = 0; i < 100 && reply == null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      reply = (await queue.getJob(job.id!))?.returnvalue;
    }
    expect(reply).toMatchObject({ ok: false, error: { path: 'job.params' } });
    expect((reply as { error: { message: string } }).error.message).toMatch(
      /^job\.params: expected base64 of/,
    );
  });

  it("the trainer checks a worker's reply: adapted params of the wrong length stop the run, naming the field", async () => {
    redis = await startRedis();
    const connection = parseQueueUrl(redis.url);
    // A worker of our own that replies with 3 params, whatever the job.
    const rogue = new Worker(
      'terrarium-rogue',
      async () => ({
        ok: true,
        worker: 'rogue',
        result: {
          params: Buffer.from(new Float32Array(3).buffer).toString('base64'),
          obsNorm: null,
          path: null,
          finalGradient: null,
          explorationGradient: null,
          context: null,
          stats: {
            returns: Buffer.from(new Float64Array(2).buffer).toString('base64'),
            envSteps: 0,
            wallSeconds: 0,
          },
        },
      }),
      { connection: redisOptions(connection, true) },
    );
    closers.push(() => rogue.close());
    const runner = await createQueueRunner({ connection, name: 'terrarium-rogue' });
    closers.push(() => runner.close());
    const job = await sineJob({ amplitude: 1, phase: 0 });
    const error = await runner.run(job).catch((e) => e);
    expect(error).toBeInstanceOf(TerrariumError);
    expect(error.message).toBe(
      `result.params: expected ${job.params.length} values (job.params), got 3 (wrong length)`,
    );
  });

  it('a password-protected Redis: the right password works; a wrong one is a clear error that does not show it', async () => {
    redis = await startRedis({ password: 's3cret-pw' });
    workers = [await startWorker(redis.url)];
    const runner = await createQueueRunner({ connection: parseQueueUrl(redis.url), name: 'terrarium-auth' });
    closers.push(() => runner.close());
    const result = await runner.run(await sineJob({ amplitude: 1, phase: 0 }));
    expect(result.stats.returns.length).toBeGreaterThan(1);
    const wrong = redis.url.replace('s3cret-pw', 'wrong-pw');
    const error = await createQueueRunner({ connection: parseQueueUrl(wrong), name: 'terrarium-auth' }).catch(
      (e) => e,
    );
    expect(error.message).toMatch(
      /^--queue: expected a reachable Redis server, got "redis:\/\/:\*\*\*@127\.0\.0\.1:\d+"/,
    );
    expect(error.message).toMatch(/WRONGPASS/);
    expect(error.message).not.toContain('wrong-pw');
  });
});
