import { describe, expect, it } from 'vitest';
import { envEntry, makeEnv, makeVectorEnv } from '../../src/envs/registry.js';
import { ENV_IDS } from './helpers.js';

describe.each(ENV_IDS)('%s task distribution', (id) => {
  const entry = envEntry(id);

  it('same seed gives the same tasks, and every task passes the env schema', () => {
    const a = entry.distribution().sample(20, 3);
    expect(entry.distribution().sample(20, 3)).toEqual(a);
    expect(entry.distribution().sample(20, 4)).not.toEqual(a);
    for (const task of a) expect(entry.taskSchema.safeParse(task).success).toBe(true);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('the test split is fixed and disjoint from the train split', () => {
    const dist = entry.distribution();
    const test = dist.testTasks(dist.testSize).map((t) => JSON.stringify(t));
    expect(
      entry
        .distribution()
        .testTasks(10)
        .map((t) => JSON.stringify(t)),
    ).toEqual(test.slice(0, 10));
    const train = new Set(dist.sampleTrain(2000, 1).map((t) => JSON.stringify(t)));
    expect(train.size).toBeGreaterThan(100);
    for (const task of test) expect(train.has(task)).toBe(false);
    expect(() => dist.testTasks(dist.testSize + 1)).toThrow(/^tasks: expected an integer in \[0, 100\]/);
  });

  it('ranges are configurable and bad options name the field', () => {
    const dist = entry.distribution({ friction: [0.9, 0.95] });
    for (const task of dist.sample(10, 0) as { dynamics: { friction: number } }[]) {
      expect(task.dynamics.friction).toBeGreaterThanOrEqual(0.9);
      expect(task.dynamics.friction).toBeLessThanOrEqual(0.95);
    }
    expect(() => entry.distribution({ friction: [0.5, -1] })).toThrow(
      /^tasks\.friction\.1: expected a value >= 0, got -1/,
    );
    expect(() => entry.distribution({ frction: [0.5, 1] })).toThrow(/unknown: frction/);
  });
});

describe('legged task options', () => {
  it('cheetah samples target velocities in [0, 2] or directions +-x; ant-terrain samples every terrain kind', () => {
    const vel = envEntry('cheetah').distribution().sample(50, 0) as {
      goal: { kind: string; velocity: number };
    }[];
    for (const t of vel)
      expect(t.goal.kind === 'velocity' && t.goal.velocity >= 0 && t.goal.velocity <= 2).toBe(true);
    const dir = envEntry('cheetah').distribution({ goal: 'direction' }).sample(50, 0) as {
      goal: { direction: number[] };
    }[];
    expect(new Set(dir.map((t) => t.goal.direction[0]))).toEqual(new Set([1, -1]));
    const terrains = envEntry('ant')
      .distribution({ terrains: ['flat', 'slope', 'stairs', 'rough'] })
      .sample(60, 0) as { terrain: { kind: string } }[];
    expect(new Set(terrains.map((t) => t.terrain.kind))).toEqual(
      new Set(['flat', 'slope', 'stairs', 'rough']),
    );
  });
});

describe('planar robots', () => {
  it('a cheetah task that leaves the x-y plane is refused, naming the field', async () => {
    const task = {
      ...(envEntry('cheetah').defaultTask() as object),
      goal: { kind: 'direction', direction: [0, 1] },
    };
    await expect(makeEnv('cheetah', { task })).rejects.toThrow(
      'task.goal.direction[1]: expected 0 for the planar cheetah (it moves along x only), got 1',
    );
  });
});

describe('vector env', () => {
  it('steps N copies with their own tasks and auto-resets, reporting the final observation', async () => {
    const venv = await makeVectorEnv('ball-nav', 3, { maxEpisodeSteps: 4 });
    const tasks = envEntry('ball-nav').distribution().sample(3, 9);
    venv.setTasks(tasks);
    const first = venv.reset(0);
    expect(first.length).toBe(3 * 4);
    const actions = new Float32Array(6).fill(1);
    for (let t = 0; t < 3; t++) {
      const r = venv.step(actions);
      expect(Array.from(r.truncated)).toEqual([0, 0, 0]);
    }
    const last = venv.step(actions);
    expect(Array.from(last.truncated)).toEqual([1, 1, 1]);
    for (let i = 0; i < 3; i++) {
      const final = last.infos[i]!.finalObs!;
      expect(final[0]).toBeGreaterThan(0.05); // pushed along +x before the reset
      expect(Math.abs(last.obs[i * 4]!)).toBeLessThan(0.02); // back at the start
    }
    expect(venv.tasks).toEqual(tasks);
    // The copies differ in their tasks, so rewards differ.
    expect(new Set(Array.from(last.rewards)).size).toBe(3);
    expect(() => venv.step(new Float32Array(5))).toThrow(/^actions: expected num x actDim = 6 numbers/);
    venv.close();
  });

  it('a vector env reproduces the single envs it is made of', async () => {
    const venv = await makeVectorEnv('cheetah', 2);
    const obs = venv.reset(5);
    const single = await makeEnv('cheetah');
    const { deriveSeed } = await import('../../src/core/rng.js');
    expect(Array.from(single.reset({ seed: deriveSeed(5, 1) }).obs)).toEqual(
      Array.from(obs.subarray(17, 34)),
    );
    venv.close();
    single.close();
  });
});

describe('oracle observations', () => {
  it.each(ENV_IDS)(
    '%s with observeTask appends the task parameters, which differ between tasks',
    async (id) => {
      const [a, b] = envEntry(id).distribution().sample(2, 1);
      const plain = await makeEnv(id, { task: a });
      const oracle = await makeEnv(id, { task: a, observeTask: true });
      const obsPlain = plain.reset({ seed: 0 }).obs;
      const obsA = oracle.reset({ seed: 0 }).obs;
      expect(oracle.observationSpace.shape[0]).toBeGreaterThan(plain.observationSpace.shape[0]!);
      expect(Array.from(obsA.subarray(0, obsPlain.length))).toEqual(Array.from(obsPlain));
      const obsB = oracle.reset({ seed: 0, task: b }).obs;
      expect(Array.from(obsB.subarray(obsPlain.length))).not.toEqual(
        Array.from(obsA.subarray(obsPlain.length)),
      );
      expect(oracle.step(new Float32Array(oracle.actionSpace.shape[0]!)).obs.length).toBe(
        oracle.observationSpace.shape[0],
      );
      plain.close();
      oracle.close();
    },
  );
});
