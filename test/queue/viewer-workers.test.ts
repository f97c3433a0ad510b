import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseQueueUrl } from '../../src/meta/queue/connection.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { startViewerServer } from '../../src/server/server.js';
import { tempDir, tinySine } from '../meta/helpers.js';
import { connectClient, socketUrl } from '../server/clients.js';
import { type RedisServer, startRedis, startWorker, type WorkerProcess } from './redis-server.js';

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

it("a queue run's viewer hello lists the worker processes serving it; a run without a queue has no workers", async () => {
  const trainer = await createTrainer({
    config: tinySine({ iterations: 40, metaBatchSize: 4 }),
    outDir: tempDir(),
    queue: { connection: parseQueueUrl(redis.url) },
  });
  const viewer = await startViewerServer({ streams: trainer.streams, port: 0 });
  const running = trainer.run();
  // Workers are sampled once a second from the start of the run: wait until both have been seen.
  let hello: Record<string, unknown> = {};
  for (let attempt = 0; attempt < 40; attempt++) {
    const page = await connectClient(socketUrl(viewer.url));
    hello = (await page.next('hello', 0)) as Record<string, unknown>;
    page.close();
    if ((hello.workers as { workers?: number } | undefined)?.workers === 2) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  trainer.stop();
  await running;
  await viewer.close();
  const listed = hello.workers as { workers: number; names: string[]; waiting: number; active: number };
  expect(listed.workers).toBe(2);
  expect(listed.names).toHaveLength(2);
  for (const name of listed.names) expect(name).toMatch(/^[^:]+:\d+$/);
  expect(new Set(listed.names).size).toBe(2);

  const plain = await createTrainer({ config: tinySine({ iterations: 1 }), outDir: tempDir() });
  const plainViewer = await startViewerServer({ streams: plain.streams, port: 0 });
  const page = await connectClient(socketUrl(plainViewer.url));
  expect(await page.next('hello', 0)).not.toHaveProperty('workers');
  page.close();
  await plainViewer.close();
}, 60_000);
