import { describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import { envEntry, makeEnv } from '../../src/envs/registry.js';
import { ENV_IDS, randomActions, trajectory } from './helpers.js';

describe.each(ENV_IDS)('%s follows the env contract', (id) => {
  it('has the documented spaces and finite Float32Array observations', async () => {
    const entry = envEntry(id);
    const env = await makeEnv(id);
    expect(env.observationSpace.shape).toEqual([entry.obsDim]);
    expect(env.actionSpace.shape).toEqual([entry.actDim]);
    expect(Array.from(env.actionSpace.low)).toEqual(new Array(entry.actDim).fill(-1));
    expect(Array.from(env.actionSpace.high)).toEqual(new Array(entry.actDim).fill(1));
    for (const obs of trajectory(env, 3, 150)) {
      expect(obs).toBeInstanceOf(Float32Array);
      expect(obs.length).toBe(entry.obsDim);
      expect(obs.every(Number.isFinite)).toBe(true);
    }
    env.close();
  });

  it('same seed, task and actions give bitwise the same trajectory', async () => {
    const task = envEntry(id).distribution().sample(1, 11)[0];
    const a = await makeEnv(id, { task });
    const b = await makeEnv(id, { task });
    const ta = trajectory(a, 5, 120);
    const tb = trajectory(b, 5, 120);
    expect(tb.length).toBe(ta.length);
    for (const [i, obs] of ta.entries())
      expect(Buffer.from(tb[i]!.buffer).equals(Buffer.from(obs.buffer))).toBe(true);
    const other = trajectory(a, 6, 120);
    expect(other.some((obs, i) => ta[i] && obs.some((v, k) => v !== ta[i]![k]))).toBe(true);
    a.close();
    b.close();
  });

  it('reward equals the sum of its terms', async () => {
    const env = await makeEnv(id, { task: envEntry(id).distribution().sample(1, 2)[0] });
    const act = randomActions(env, 1);
    env.reset({ seed: 1 });
    for (let t = 0; t < 50; t++) {
      const { reward, info } = env.step(act());
      const terms = Object.values(info.rewardTerms);
      expect(terms.length).toBeGreaterThan(1);
      expect(reward).toBeCloseTo(
        terms.reduce((a, b) => a + b, 0),
        10,
      );
    }
    env.close();
  });

  it('the time limit truncates; stepping on without reset is an error', async () => {
    const env = await makeEnv(id, { maxEpisodeSteps: 7 });
    env.reset({ seed: 0 });
    const zero = new Float32Array(env.actionSpace.shape[0]!);
    for (let t = 0; t < 6; t++) expect(env.step(zero).truncated).toBe(false);
    const last = env.step(zero);
    expect(last.truncated).toBe(true);
    expect(last.terminated).toBe(false);
    expect(() => env.step(zero)).toThrow(/reset\(\) before step\(\)/);
    env.reset();
    expect(env.step(zero).truncated).toBe(false);
    env.close();
  });

  it('a wrong-length or non-finite action throws a TerrariumError naming the field; out-of-range is clipped', async () => {
    const env = await makeEnv(id);
    const n = env.actionSpace.shape[0]!;
    env.reset({ seed: 0 });
    expect(() => env.step(new Float32Array(n + 1))).toThrow(TerrariumError);
    expect(() => env.step(new Float32Array(n + 1))).toThrow(
      `action.length: expected ${n}, one number per actuator, got ${n + 1}`,
    );
    const bad = new Float32Array(n);
    bad[n - 1] = Number.NaN;
    expect(() => env.step(bad)).toThrow(
      new RegExp(`^action\\[${n - 1}\\]: expected a finite number in \\[-1, 1\\], got NaN`),
    );
    bad[n - 1] = Number.POSITIVE_INFINITY;
    expect(() => env.step(bad)).toThrow(/got Infinity/);
    const a = await makeEnv(id);
    const b = await makeEnv(id);
    a.reset({ seed: 4 });
    b.reset({ seed: 4 });
    const big = a.step(new Float32Array(n).fill(50));
    const one = b.step(new Float32Array(n).fill(1));
    expect(Array.from(big.obs)).toEqual(Array.from(one.obs));
    expect(big.reward).toBe(one.reward);
    for (const e of [env, a, b]) e.close();
  });

  it('a task that fails its schema is rejected with the field, value and range', async () => {
    const task = structuredClone(envEntry(id).defaultTask()) as { dynamics: { friction: number } };
    task.dynamics.friction = -0.3;
    await expect(makeEnv(id, { task })).rejects.toThrow(
      'task.dynamics.friction: expected a value >= 0, got -0.3',
    );
    const env = await makeEnv(id);
    expect(() => env.setTask({ ...(envEntry(id).defaultTask() as object), extra: 1 })).toThrow(
      /task: expected no unknown field \(unknown: extra\)/,
    );
    env.close();
  });

  it('describes its scene as JSON and reports a pose per body', async () => {
    const env = await makeEnv(id, { task: envEntry(id).distribution().sample(1, 3)[0] });
    env.reset({ seed: 0 });
    const scene = JSON.parse(JSON.stringify(env.describeScene()));
    expect(scene.env).toBe(id);
    expect(scene.bodies.length).toBeGreaterThan(0);
    expect(scene.statics.length).toBeGreaterThan(0);
    for (const body of scene.bodies) expect(body.shapes.length).toBeGreaterThan(0);
    const poses = env.poses();
    expect(poses.length).toBe(scene.bodies.length * 7);
    for (let i = 0; i < scene.bodies.length; i++) {
      const q = poses.subarray(i * 7 + 3, i * 7 + 7);
      expect(Math.hypot(...q)).toBeCloseTo(1, 4);
    }
    env.close();
  });
});
