import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { main } from '../../src/cli/main.js';
import { startView } from '../../src/cli/view-command.js';
import { connectClient, socketUrl } from '../server/clients.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cli(...args: string[]): Promise<void> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const code = await main(['node', 'terrarium', ...args]);
  write.mockRestore();
  expect(code).toBe(0);
}

describe('terrarium view --run on a policy', () => {
  it('shows an exported model (and a train-task output) on held-out tasks in turn, then a task a page sends', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'terrarium-view-policy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, 'train-task');
    await cli(
      'train-task',
      '--env',
      'ball-nav',
      '--task-seed',
      '1',
      '--algo',
      'vpg',
      '--steps',
      '400',
      '--out',
      out,
    );
    await cli('export', '--run', out, '--out', join(dir, 'model'));

    for (const run of [join(dir, 'model'), out]) {
      const session = await startView({ run, tasks: 'test', count: 2, port: 0, seed: 0 });
      cleanups.push(() => session.close());
      const page = await connectClient(socketUrl(session.url));
      cleanups.push(() => page.close());
      expect(await page.next('hello', 0)).toMatchObject({ acceptsTask: true });
      page.send({ type: 'speed', value: 20 });
      page.send({ type: 'subscribe', streams: ['frames'] });
      await page.until(() => page.ofType('scene').some((s) => s.taskIndex === 1), 20_000, 'the second task');
      const scenes = page.ofType('scene');
      const shown = scenes.slice(0, 2).map((s) => [(s.scene as { env: string }).env, s.taskIndex, s.k]);
      expect(shown).toEqual([
        ['ball-nav', 0, 0],
        ['ball-nav', 1, 0],
      ]);
      const [first, second] = scenes.map((s) => (s.scene as { task: unknown }).task);
      expect(second).not.toEqual(first);
      expect(page.frames.length).toBeGreaterThan(0);
    }

    const session = await startView({ run: join(dir, 'model'), tasks: 'test', count: 2, port: 0, seed: 0 });
    cleanups.push(() => session.close());
    const page = await connectClient(socketUrl(session.url));
    cleanups.push(() => page.close());
    await page.next('hello', 0);
    page.send({ type: 'speed', value: 20 });
    page.send({ type: 'subscribe', streams: ['frames'] });
    const task = {
      goal: { kind: 'position', position: [1.5, -1] },
      dynamics: { massScale: 1, friction: 0.8, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
    };
    page.send({ type: 'task', task });
    await page.next('taskAccepted', 0);
    const custom = await page.until(
      () => page.ofType('scene').find((s) => s.taskIndex === -1),
      20_000,
      'a scene of the sent task',
    );
    expect((custom.scene as { task: unknown }).task).toEqual(task);
  }, 90_000);

  it('a policy that records no env is refused, naming --run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'terrarium-view-policy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const policy = GaussianPolicy.create({}, 4, 2, 0);
    await policy.save(dir);
    policy.dispose();
    await expect(startView({ run: dir, tasks: 'test', count: 2, port: 0, seed: 0 })).rejects.toThrow(
      /^--run: expected a policy that records its env/,
    );
  });
});
