/**
 * `terrarium view` of the shipped ant-dir meta-init over real WebSockets: the task controls the server describes
 * match what it accepts, a page's task is refused or adapted side by side, and every page hears which task is being
 * adapted and who sent it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startView, type ViewSession } from '../../src/cli/view-command.js';
import type { TaskControl } from '../../src/server/task-controls.js';
import { tempDir, tinyBallNav, train } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';
import { connectClient, socketUrl, type TestClient } from './clients.js';

const RUN = 'models/ant-dir';
const runConfig = JSON.parse(readFileSync(`${RUN}/config.json`, 'utf8')) as {
  inner: { steps: number };
  tasks: Record<string, unknown>;
};
const metricsLines = readFileSync(`${RUN}/metrics.jsonl`, 'utf8').trim().split('\n');

type Json = Record<string, unknown>;

function setAt(task: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = task;
  keys.slice(0, -1).forEach((key, i) => {
    node[key] ??= /^\d+$/.test(keys[i + 1]!) ? [] : {};
    node = node[key] as Json;
  });
  node[keys[keys.length - 1]!] = value;
}

describe('terrarium view: the live view of adaptation', () => {
  let session: ViewSession;
  let a: TestClient;
  let b: TestClient;
  let controls: TaskControl[];
  let shown: Json;

  beforeAll(async () => {
    session = await startView({ run: RUN, tasks: 'test', count: 2, port: 0, seed: 0, workers: 0 });
    const url = socketUrl(session.url);
    a = await connectClient(url);
    b = await connectClient(url);
    const hello = await a.next('hello', 0);
    controls = hello.taskControls as TaskControl[];
    shown = (await a.next('adapting', 0)).task as Json;
  }, 60_000);

  afterAll(async () => {
    a?.close();
    b?.close();
    await session?.close();
  });

  it('describes a control for every task field, with the run’s trained values', () => {
    const paths = controls.map((c) => c.path);
    for (const field of ['dynamics.friction', 'dynamics.massScale', 'dynamics.motorStrength', 'terrain.kind'])
      expect(paths).toContain(field);
    expect(controls.find((c) => c.path === 'terrain.kind')?.choices).toEqual(
      expect.arrayContaining(['flat', 'slope', 'stairs', 'rough']),
    );
    // The run trained on fixed dynamics (config.json's tasks): the trained range is that value.
    const [low, high] = runConfig.tasks.friction as [number, number];
    expect(controls.find((c) => c.path === 'dynamics.friction')?.trained).toEqual({ min: low, max: high });
    for (const kindField of ['terrain.angle', 'terrain.stepHeight', 'terrain.amplitude'])
      expect(controls.find((c) => c.path === kindField)?.when?.path).toBe('terrain.kind');
  });

  it('refuses a value past each control’s bounds, naming the field, the value and what is allowed', async () => {
    const bounded = controls.filter((c) => c.max !== undefined && c.type !== 'choice');
    expect(bounded.length).toBeGreaterThan(8);
    for (const control of bounded) {
      const task = structuredClone(shown);
      if (control.when) setAt(task, control.when.path.split('.')[0]!, { kind: control.when.value });
      const kind = control.when ? (task[control.when.path.split('.')[0]!] as Json) : null;
      // The kind's other fields at their lower bounds, so only this one is wrong.
      for (const other of controls.filter((c) => c.when && c.when.value === control.when?.value))
        if (kind && other.min !== undefined) setAt(task, other.path, other.min);
      const bad = control.max! + 1;
      setAt(task, control.path, bad);
      const errors = a.ofType('error').length;
      a.send({ type: 'task', task });
      const error = await a.next('error', errors);
      expect(error.path).toBe(`task.${control.path}`);
      expect(error.value).toBe(bad);
      expect(String(error.expected)).toContain(String(control.max));
    }
    expect(a.ofType('taskAccepted')).toHaveLength(0);
  }, 30_000);

  it('refuses a crippled leg the robot does not have (checked by the env, past the schema)', async () => {
    const leg = controls.find((c) => c.path === 'dynamics.crippledLeg')!;
    const task = structuredClone(shown);
    setAt(task, 'dynamics.crippledLeg', leg.max);
    const errors = a.ofType('error').length;
    a.send({ type: 'task', task });
    const error = await a.next('error', errors);
    expect(error.path).toBe('task.dynamics.crippledLeg');
    expect(String(error.expected)).toMatch(/leg of ant/);
  });

  it('adapts a page’s task side by side, tells every page who sent it, with the return and speed per k', async () => {
    const bId = (await b.next('hello', 0)).connectionId;
    const aId = a.messages.find((m) => m.type === 'hello')!.connectionId;
    expect(aId).not.toBe(bId);
    b.send({ type: 'speed', value: 8 });
    a.send({ type: 'subscribe', streams: ['frames', 'adaptation'] });
    b.send({ type: 'subscribe', streams: ['metrics'] });
    const task = { ...structuredClone(shown), terrain: { kind: 'stairs', stepHeight: 0.08, stepWidth: 0.6 } };
    a.send({ type: 'task', task });
    await a.next('taskAccepted', 0);
    for (const page of [a, b]) {
      const adapting = await page.until(
        () => page.ofType('adapting').find((m) => (m.source as Json).kind === 'page'),
        10_000,
        'the sent task announced',
      );
      expect(adapting.source).toEqual({ kind: 'page', connectionId: aId });
      expect(adapting.task).toEqual(task);
    }
    const K = runConfig.inner.steps;
    const steps = await a.until(
      () => {
        const own = a.ofType('adaptation').filter((e) => e.taskIndex === -1);
        return own.length === K + 1 && own;
      },
      120_000,
      `the sent task's returns for k = 0..${K}`,
    );
    expect(steps.map((e) => e.k)).toEqual(Array.from({ length: K + 1 }, (_, k) => k));
    // The meta-init is the run's last iteration: events name it as metrics.jsonl does.
    const lastIteration = JSON.parse(metricsLines[metricsLines.length - 1]!).iteration;
    for (const step of steps) {
      expect(step.iteration).toBe(lastIteration);
      expect(step.task).toEqual(task);
      expect(Number.isFinite(step.return)).toBe(true);
      expect(Number.isFinite(step.meanSpeed)).toBe(true);
    }
    const scene = await a.until(
      () => a.ofType('scene').find((s) => s.taskIndex === -1 && (s.lanes as number[]).length === K + 1),
      60_000,
      'the sent task with every robot side by side',
    );
    expect(scene.lanes).toEqual(steps.map((e) => e.k));
    const description = scene.scene as { task: unknown; bodies: unknown[] };
    expect(description.task).toEqual(task);
    const bodiesPerRobot = description.bodies.length / (K + 1);
    expect(Number.isInteger(bodiesPerRobot)).toBe(true);
    // Frames carry every robot's poses: 7 numbers per body.
    await a.until(
      () => a.frames.some((f) => f.poses.length === 7 * description.bodies.length),
      10_000,
      'a frame',
    );
    // The training curve: metrics.jsonl, one event per line, in order.
    const metrics = await b.until(
      () => b.ofType('metrics').length === metricsLines.length && b.ofType('metrics'),
      5000,
      'metrics.jsonl',
    );
    expect(metrics.map((m) => m.returnAfter)).toEqual(metricsLines.map((l) => JSON.parse(l).returnAfter));
  }, 180_000);
});

describe('terrarium view --k', () => {
  it('shows the meta-init beside K robots adapted 1..K times, K past the run’s own inner steps', async () => {
    const dir = tempDir('terrarium-view-k-');
    const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
    try {
      // tinyBallNav trains with 2 inner steps; the view shows 3.
      await train(tinyBallNav({ iterations: 1 }), dir);
      const session = await startView({
        run: dir,
        tasks: 'test',
        count: 1,
        port: 0,
        seed: 0,
        workers: 0,
        k: 3,
      });
      cleanups.push(() => session.close());
      const page = await connectClient(socketUrl(session.url));
      cleanups.push(() => page.close());
      expect((await page.next('adapting', 0)).steps).toBe(3);
      page.send({ type: 'speed', value: 8 });
      page.send({ type: 'subscribe', streams: ['frames', 'adaptation'] });
      const scene = await page.until(
        () => page.ofType('scene').find((s) => (s.lanes as number[]).length === 4),
        60_000,
        'four robots side by side',
      );
      expect(scene.lanes).toEqual([0, 1, 2, 3]);
      expect(page.ofType('adaptation').map((e) => e.k)).toEqual([0, 1, 2, 3]);
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup();
    }
  }, 90_000);

  it('refuses a K past the most robots shown, naming the flag and the bound', async () => {
    const result = await terrarium(['view', '--run', RUN, '--k', '9']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^terrarium: --k: expected an integer in \[1, \d+\], got "9"/);
  });
});
