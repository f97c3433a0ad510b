import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startView } from '../../src/cli/view-command.js';
import { tempDir, tinyBallNav, train } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';
import { connectClient, socketUrl } from './clients.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const taskAt = (x: number) => ({
  goal: { kind: 'position', position: [x, 1] },
  dynamics: { massScale: 1, friction: 0.8, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
});

describe('terrarium view holds at most one task sent by pages, and fails fast on a bad port', () => {
  it('a burst of 20 tasks shows the newest (not a queue of 20), then the held-out tasks again', async () => {
    const dir = tempDir('terrarium-view-');
    await train(tinyBallNav({ iterations: 1 }), dir);
    const session = await startView({ run: dir, tasks: 'test', count: 2, port: 0, seed: 0, workers: 0 });
    cleanups.push(() => session.close());
    const page = await connectClient(socketUrl(session.url));
    cleanups.push(() => page.close());
    await page.next('hello', 0);
    page.send({ type: 'speed', value: 8 });
    page.send({ type: 'subscribe', streams: ['frames'] });
    await page.next('scene', 0);
    for (let i = 1; i <= 20; i++) page.send({ type: 'task', task: taskAt(i / 10) });
    await page.next('taskAccepted', 19);
    const newest = taskAt(2);
    const shown = () =>
      page.ofType('scene').map((s) => ({ index: s.taskIndex, task: (s.scene as { task: unknown }).task }));
    await page.until(
      () => {
        const scenes = shown();
        const last = scenes.findLastIndex((s) => s.index === -1);
        return last >= 0 && scenes.slice(last).some((s) => (s.index as number) >= 0);
      },
      60_000,
      'held-out scenes after the sent task',
    );
    const custom = shown().filter((s) => s.index === -1);
    expect(custom.at(-1)!.task).toEqual(newest);
    expect(new Set(custom.map((s) => JSON.stringify(s.task))).size).toBeLessThanOrEqual(2);
  }, 90_000);

  it('a port out of range, or in use, exits 2 with one line', async () => {
    const dir = tempDir('terrarium-view-');
    await train(tinyBallNav({ iterations: 1 }), dir);
    const range = await terrarium(['view', '--run', dir, '--port', '70000']);
    expect(range.code).toBe(2);
    expect(range.stderr).toBe(
      'terrarium: --port: expected an integer in [0, 65535], got "70000"; see terrarium view --help\n',
    );
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => busy.close(resolve)));
    const port = (busy.address() as { port: number }).port;
    const started = Date.now();
    const inUse = await terrarium(['view', '--run', dir, '--port', String(port)], { timeout: 30_000 });
    expect(inUse.code).toBe(2);
    // (tfjs prints its banner first on stderr)
    expect(inUse.stderr.trim().split('\n').at(-1)).toMatch(
      /^terrarium: port: expected a free port, got \d+ \(127.0.0.1:\d+: EADDRINUSE\)$/,
    );
    console.log(`view with a busy port exited after ${Date.now() - started} ms`);
  }, 60_000);
});
