import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startView, type ViewSession } from '../../src/cli/view-command.js';
import { tempDir, tinyBallNav, train } from '../meta/helpers.js';
import { connectClient, socketUrl, type TestClient } from './clients.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('terrarium view', () => {
  it('replays a run: the meta-init adapting to held-out tasks step by step, and to a task sent by the page', async () => {
    const dir = tempDir('terrarium-view-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await train(tinyBallNav({ iterations: 1 }), dir);
    const session: ViewSession = await startView({
      run: dir,
      tasks: 'test',
      count: 2,
      port: 0,
      seed: 0,
      workers: 0,
    });
    cleanups.push(() => session.close());
    const page: TestClient = await connectClient(socketUrl(session.url));
    cleanups.push(() => page.close());
    const hello = await page.next('hello', 0);
    expect(hello.acceptsTask).toBe(true);
    page.send({ type: 'speed', value: 8 });
    page.send({ type: 'subscribe', streams: ['frames', 'adaptation'] });

    // tinyBallNav adapts with 2 inner steps: k = 0, 1, 2 on task 0, each shown for a display episode.
    await page.until(() => page.ofType('scene').some((s) => s.k === 2), 20_000, 'the scene after 2 updates');
    const steps = page.ofType('adaptation').map((e) => [e.taskIndex, e.k]);
    expect(steps.slice(0, 3)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    expect(page.frames.length).toBeGreaterThan(0);

    const task = {
      goal: { kind: 'position', position: [1.5, -1] },
      dynamics: { massScale: 1, friction: -1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
    };
    page.send({ type: 'task', task });
    expect(await page.next('error', 0)).toMatchObject({ path: 'task.dynamics.friction', value: -1 });
    task.dynamics.friction = 0.8;
    page.send({ type: 'task', task });
    await page.next('taskAccepted', 0);
    const scene = await page.until(
      () => page.ofType('scene').find((s) => s.taskIndex === -1),
      20_000,
      'a scene of the sent task',
    );
    expect((scene.scene as { task: unknown }).task).toEqual(task);
  }, 60_000);

  it("shows an oracle run of crippled-leg tasks (the task features in its observation) on the tasks' own env", async () => {
    const dir = tempDir('terrarium-view-oracle-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const oracle = tinyBallNav({
      env: 'ant',
      iterations: 1,
      maxEpisodeSteps: 10,
      observeTask: true,
      tasks: { goal: 'direction', crippleProbability: 1 },
      inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
    });
    await train(oracle, dir);
    const session = await startView({ run: dir, tasks: 'test', count: 1, port: 0, seed: 0, workers: 0 });
    cleanups.push(() => session.close());
    const page = await connectClient(socketUrl(session.url));
    cleanups.push(() => page.close());
    await page.next('hello', 0);
    page.send({ type: 'speed', value: 8 });
    page.send({ type: 'subscribe', streams: ['frames'] });
    const scene = await page.until(() => page.ofType('scene')[0], 20_000, 'a scene');
    const shown = (scene.scene as { task: { dynamics: { crippledLeg: unknown } } }).task;
    expect(shown.dynamics.crippledLeg).toEqual(expect.any(Number));
    await page.until(() => page.frames.length >= 3, 20_000, 'frames of the oracle walking');
  }, 60_000);
});
