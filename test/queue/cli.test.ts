import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { sineConfigFile, tempDir } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';
import { type RedisServer, startRedis, startWorker, type WorkerProcess } from './redis-server.js';

/** The default small sine config (sineConfigFile) with 3 tasks an iteration and a longer eval. */
const SINE = { metaBatchSize: 3, evaluation: { steps: 4, points: 10, tasks: 3 }, checkpointEvery: undefined };

describe('terrarium train / pretrain / worker --queue', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[];
  beforeAll(async () => {
    redis = await startRedis();
    workers = await Promise.all([startWorker(redis.url), startWorker(redis.url)]);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await redis.stop();
  });

  it('train --queue runs on the workers, shows them on each progress line, and pretrain --queue trains the baseline', async () => {
    const dir = tempDir();
    sineConfigFile(dir, SINE);
    const out = join(dir, 'run');
    const trained = await terrarium([
      'train',
      '--config',
      join(dir, 'sine.json'),
      '--out',
      out,
      '--queue',
      redis.url,
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toContain(`jobs on the queue at ${redis.url}`);
    const lines = trained.stdout.split('\n').filter((line) => line.startsWith('iter '));
    expect(lines).toHaveLength(3);
    // Each worker finds the run within a second of its start: the first lines may show only one of them.
    for (const line of lines) expect(line).toMatch(/queue: [12] worker\(s\), \d+ waiting, \d+ active$/);
    const inThread = join(dir, 'in-thread');
    expect((await terrarium(['train', '--config', join(dir, 'sine.json'), '--out', inThread])).code).toBe(0);
    const [a, b] = [await loadLatestCheckpoint(inThread), await loadLatestCheckpoint(out)];
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);

    const pretrained = await terrarium(['pretrain', '--run', out, '--queue', redis.url, '--json']);
    expect(pretrained.code, pretrained.stderr).toBe(0);
    expect(pretrained.stdout).toMatch(
      /"queue":\{"workers":[12],"names":\["[^"]+:\d+"(,"[^"]+:\d+")?\],"waiting":\d+,"active":\d+\}/,
    );
    expect(existsSync(join(out, 'pretrained', 'metrics.jsonl'))).toBe(true);
    // The jobs of both runs ran on the worker processes (which of the two took which depends on timing).
    const logs = workers.map((w) => w.output()).join('\n');
    expect(logs).toMatch(/terrarium-run-[0-9a-f]{8}: iteration 2, task \d+ done/);
    expect(logs).toMatch(/terrarium-pretrained-[0-9a-f]{8}: iteration 0, task \d+ done/);
  });

  it('bad queue URLs and an unreachable Redis are one-line errors naming --queue', async () => {
    const dir = tempDir();
    sineConfigFile(dir, SINE);
    const train = (url: string) =>
      terrarium(['train', '--config', join(dir, 'sine.json'), '--out', join(dir, 'x'), '--queue', url]);
    expect(await train('http://127.0.0.1:1')).toMatchObject({
      code: 2,
      stderr:
        'terrarium: --queue: expected a redis://[user:pass@]host:port[/db] or rediss:// (TLS) URL, got "http://127.0.0.1:1"; see terrarium train --help\n',
    });
    const unreachable = await train('redis://127.0.0.1:1/2');
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(
      /^terrarium: --queue: expected a reachable Redis server, got "redis:\/\/127\.0\.0\.1:1\/2" \(connect ECONNREFUSED/,
    );
    // Nothing was written: the same command works once Redis is there.
    expect(existsSync(join(dir, 'x'))).toBe(false);
    const worker = await terrarium([
      'worker',
      '--queue',
      'redis://u:hunter2@127.0.0.1:1',
      '--concurrency',
      '0',
    ]);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/--concurrency: expected an integer in \[1, 64\], got "0"/);
    const backend = await terrarium(['worker', '--queue', redis.url, '--backend', 'cuda']);
    expect(backend).toMatchObject({
      code: 2,
      stderr:
        'terrarium: --backend: expected one of auto, wasm, cpu, node, node-gpu, got "cuda"; see terrarium worker --help\n',
    });
  });
});
