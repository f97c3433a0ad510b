import { describe, expect, it } from 'vitest';
import { createAnt, defaultAntTask } from '../../src/envs/ant.js';
import { createCheetah, defaultCheetahTask } from '../../src/envs/cheetah.js';
import { initRapier } from '../../src/envs/rapier.js';
import { makeEnv } from '../../src/envs/registry.js';
import { shippedRobot } from '../../src/envs/robot-spec.js';
import type { Terrain } from '../../src/envs/terrain.js';
import { randomActions } from './helpers.js';

await initRapier();

const TERRAINS: Terrain[] = [
  { kind: 'flat' },
  { kind: 'slope', angle: 0.15 },
  { kind: 'stairs', stepHeight: 0.1, stepWidth: 0.6 },
  { kind: 'rough', amplitude: 0.12, scale: 1.5, seed: 42 },
];

describe('physics sanity', () => {
  it.each(TERRAINS)(
    'the ant with zero action stays upright for its episode on $kind terrain',
    async (terrain) => {
      const env = await makeEnv('ant', { task: { ...defaultAntTask(), terrain } });
      let { obs } = env.reset({ seed: 0 });
      const zero = new Float32Array(8);
      let steps = 0;
      for (;;) {
        const result = env.step(zero);
        obs = result.obs;
        steps++;
        expect(result.terminated).toBe(false);
        if (result.truncated) break;
      }
      expect(steps).toBe(200);
      expect(obs[0]).toBeGreaterThan(0.3); // torso height above the terrain (m)
      expect(obs[4]).toBeGreaterThan(0.95); // quaternion w: barely tilted
      env.close();
    },
  );

  it.each(['ant', 'cheetah'])(
    'a random policy does not blow up %s in 10 000 steps on any terrain',
    async (id) => {
      for (const terrain of TERRAINS) {
        const env = await makeEnv(id, {
          task: { ...(id === 'ant' ? defaultAntTask() : defaultCheetahTask()), terrain },
        });
        const act = randomActions(env, 3);
        env.reset({ seed: 1 });
        for (let t = 0; t < 2500; t++) {
          const result = env.step(act());
          expect(result.info.reason).toBeUndefined();
          if (result.terminated || result.truncated) env.reset();
        }
        env.close();
      }
    },
    120_000,
  );

  it('leaving the healthy height range terminates the episode', async () => {
    const spec = { ...shippedRobot('ant'), healthy: { minHeight: 0.9, maxHeight: 2 } };
    const env = createAnt(defaultAntTask(), spec);
    env.reset({ seed: 0 });
    const result = env.step(new Float32Array(8));
    expect(result.terminated).toBe(true);
    expect(result.info.reason).toBeUndefined();
    expect(() => env.step(new Float32Array(8))).toThrow(/reset\(\) before step\(\)/);
    env.close();
  });

  it('a physics blow-up ends the episode as physics_unstable with finite observations', async () => {
    const base = shippedRobot('cheetah');
    const spec = { ...base, joints: base.joints.map((j) => ({ ...j, gear: 1e9 })) };
    const env = createCheetah(defaultCheetahTask(), spec);
    env.reset({ seed: 0 });
    let ended = null;
    for (let t = 0; t < 50 && !ended; t++) {
      const result = env.step(new Float32Array(6).fill(t % 2 ? 1 : -1));
      expect(result.obs.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(result.reward)).toBe(true);
      if (result.terminated) ended = result;
    }
    expect(ended?.info.reason).toBe('physics_unstable');
    expect(ended?.reward).toBe(0);
    env.close();
  });

  it('higher friction shortens the slide of a pushed ball (setTask changes dynamics)', async () => {
    const env = await makeEnv('ball-nav');
    const slide = (friction: number) => {
      env.setTask({
        goal: { kind: 'position', position: [1, 1] },
        dynamics: { massScale: 1, friction, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
      });
      env.reset({ seed: 0 });
      for (let t = 0; t < 5; t++) env.step([1, 0]);
      let obs = env.step([0, 0]).obs;
      for (let t = 0; t < 30; t++) obs = env.step([0, 0]).obs;
      return obs[0]!;
    };
    const low = slide(0.3);
    const high = slide(1.2);
    expect(low).toBeGreaterThan(high * 1.3);
    env.close();
  });

  it('heavier robots are slower to accelerate under the same torques (mass scale is applied)', async () => {
    const distance = async (massScale: number) => {
      const env = await makeEnv('cheetah', {
        task: {
          goal: { kind: 'direction', direction: [1, 0] },
          dynamics: { massScale, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 0 },
          terrain: { kind: 'flat' },
        },
      });
      env.reset({ seed: 0 });
      const act = randomActions(env, 5);
      let obs = env.reset({ seed: 0 }).obs;
      for (let t = 0; t < 10; t++) obs = env.step(act()).obs;
      env.close();
      return Math.abs(obs[2]!) + Math.abs(obs[3]!) + Math.abs(obs[4]!);
    };
    expect(await distance(0.5)).toBeGreaterThan(await distance(2));
  });
});
