import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import type { TrainConfig } from '../../src/meta/config.js';
import { parseQueueUrl } from '../../src/meta/queue/connection.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { readMetrics, tempDir, tinyBallNav, train } from '../meta/helpers.js';
import { type RedisServer, startRedis, startWorker, type WorkerProcess } from './redis-server.js';

// Real redis-server and real `terrarium worker` processes; a short stall timeout so a lost worker's job moves on fast.
const STALL = ['--stall-timeout', '1'];
const config = (): TrainConfig => tinyBallNav({ backend: 'wasm', iterations: 2, metaBatchSize: 3 });

let redis: RedisServer | null = null;
let workers: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  workers = [];
  await redis?.kill();
  redis = null;
});

async function setUp(count: number) {
  redis = await startRedis();
  const url = redis.url;
  workers = await Promise.all(Array.from({ length: count }, () => startWorker(url, STALL)));
  return { url, queue: { connection: parseQueueUrl(url) } };
}

const reference = tempDir();
beforeAll(async () => {
  await train(config(), reference);
});

/** The run's params and per-task returns equal the in-thread run's, bit for bit. */
async function expectSameAsInThread(dir: string) {
  expect(readMetrics(dir).map((m) => m.taskReturns)).toEqual(
    readMetrics(reference).map((m) => m.taskReturns),
  );
  const [a, b] = [await loadLatestCheckpoint(reference), await loadLatestCheckpoint(dir)];
  expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
}

describe('queue faults', () => {
  it('a worker killed (kill -9) mid-job: its job runs again on the other worker, and the run is unchanged', async () => {
    const { queue } = await setUp(2);
    const [a, b] = workers as [WorkerProcess, WorkerProcess];
    const dir = tempDir();
    const running = train(config(), dir, { queue });
    await a.waitFor(/task \d+ started/);
    await a.kill('SIGKILL');
    await running;
    expect(a.output()).not.toMatch(/done/);
    expect(b.output()).toMatch(/iteration 0, task 0 done/);
    expect(b.output()).toMatch(/iteration 0, task 1 done/);
    expect(b.output()).toMatch(/iteration 0, task 2 done/);
    await expectSameAsInThread(dir);
  });

  it('a worker paused past the stall timeout returns its job late and twice over: ignored, the run is unchanged', async () => {
    const { queue } = await setUp(2);
    const [a, b] = workers as [WorkerProcess, WorkerProcess];
    const dir = tempDir();
    const trainer = await createTrainer({ config: config(), outDir: dir, queue });
    // Worker a stops (SIGSTOP) in its first job of iteration 0; b runs that job again after the stall timeout, and
    // iteration 0 ends; in iteration 1 worker a wakes up and finishes its iteration-0 job, a second, late reply.
    trainer.streams.metrics$.subscribe((m) => {
      if (m.iteration === 0) a.child.kill('SIGCONT');
    });
    const running = trainer.run();
    await a.waitFor(/iteration 0, task \d+ started/);
    a.child.kill('SIGSTOP');
    const task = a.output().match(/iteration 0, task (\d+) started/)![1];
    await running;
    await a.waitFor(new RegExp(`iteration 0, task ${task} done`));
    expect(b.output()).toMatch(new RegExp(`iteration 0, task ${task} done`));
    expect(readMetrics(dir)).toHaveLength(2);
    await expectSameAsInThread(dir);
  });

  it('a run started before any worker waits for one; workers that join mid-run take its jobs', async () => {
    const { url, queue } = await setUp(0);
    const dir = tempDir();
    const trainer = await createTrainer({ config: config(), outDir: dir, queue });
    const running = trainer.run();
    // All 3 jobs of iteration 0 wait, seen by the trainer's status, until a worker comes.
    for (let i = 0; i < 100 && trainer.queueStatus()?.waiting !== 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(trainer.queueStatus()).toEqual({ workers: 0, names: [], waiting: 3, active: 0 });
    workers = [await startWorker(url, STALL)];
    await running;
    expect(workers[0]!.output()).toMatch(/iteration 0, task 0 done/);
    await expectSameAsInThread(dir);
  });

  it('Redis restarted mid-run (all jobs lost): the trainer queues them again and the run is unchanged', async () => {
    const { queue } = await setUp(2);
    const dir = tempDir();
    const trainer = await createTrainer({ config: config(), outDir: dir, queue });
    const notices: string[] = [];
    trainer.notices$.subscribe((n) => notices.push(n));
    let restarted: Promise<void> | null = null;
    const [a] = workers as [WorkerProcess];
    // Restart as soon as a job of iteration 1 is running.
    const restartInIteration1 = a.waitFor(/iteration 1, task \d+ started/).then(() => {
      restarted = redis!.restart(300);
    });
    const running = trainer.run();
    await Promise.race([restartInIteration1, running]);
    await running;
    expect(restarted).not.toBeNull();
    await restarted;
    expect(notices.some((n) => /was lost; queued again/.test(n))).toBe(true);
    expect(readMetrics(dir)).toHaveLength(2);
    await expectSameAsInThread(dir);
  });

  it('Redis gone for longer than the queue timeout: the run stops with a clear error, and --resume continues it', async () => {
    const { url, queue } = await setUp(1);
    const dir = tempDir();
    const trainer = await createTrainer({
      config: config(),
      outDir: dir,
      queue: { ...queue, redisTimeoutMs: 2000 },
    });
    trainer.streams.metrics$.subscribe((m) => {
      if (m.iteration === 0) redis!.kill();
    });
    const error = await trainer.run().then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /^--queue: expected a reachable Redis server, got "redis:\/\/127\.0\.0\.1:\d+" \(unreachable for \d+ s: .*--resume/,
    );
    expect(readMetrics(dir)).toHaveLength(1);
    await redis!.restart(0);
    await train(config(), dir, { queue: { connection: parseQueueUrl(url) }, resume: true });
    await expectSameAsInThread(dir);
  });
});
