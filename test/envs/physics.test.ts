import { describe, expect, it } from 'vitest';
import { createAnt, defaultAntTask } from '../../src/envs/ant.js';
import { buildRobot } from '../../src/envs/build-robot.js';
import { createCheetah, defaultCheetahTask } from '../../src/envs/cheetah.js';
import { energyDrift, fullTorqueReport, HARD_TERRAINS, stepRobot } from '../../src/envs/physics-accuracy.js';
import { initRapier, RAPIER } from '../../src/envs/rapier.js';
import { makeEnv } from '../../src/envs/registry.js';
import { shippedRobot } from '../../src/envs/robot-spec.js';
import { NOMINAL_DYNAMICS } from '../../src/envs/task.js';
import { type Terrain, terrainHeightAt } from '../../src/envs/terrain.js';
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

  // The shipped physics settings (substeps, solver and PGS iterations, torque update) are the cheapest measured
  // to meet these bounds (docs/physics-settings.md, `npm run bench -- physics`).
  it.each(['ant', 'cheetah'] as const)(
    'the %s at full torque on the hardest terrains: mean joint gap <= 3 mm, max <= 6 cm, no blow-up',
    (id) => {
      const report = fullTorqueReport(shippedRobot(id), { seeds: 2 });
      expect(report.blowUps).toBe(0);
      expect(report.runs).toBe(2 * HARD_TERRAINS.length);
      expect(report.meanGap).toBeLessThan(0.003);
      expect(report.maxGap).toBeLessThan(0.06);
    },
    120_000,
  );

  it.each(['ant', 'cheetah'] as const)(
    'the floating %s keeps its kinetic energy within 2 %% over 2 s',
    (id) => {
      expect(energyDrift(shippedRobot(id))).toBeLessThan(0.02);
    },
  );

  it('torques set once per env step act for the whole step, as torques set before every substep do', () => {
    // A torque that lasted only the first substep would give a third of the joint speed (the ant has 3 substeps).
    const floating = { ...shippedRobot('ant'), spawnClearance: 5 };
    const dynamics = { ...NOMINAL_DYNAMICS, gravityScale: 0 };
    // Relative angular velocity of each joint's child to its parent after one env step from rest at full torque.
    const jointSpins = (torqueUpdate: 'step' | 'substep') => {
      const spec = { ...floating, torqueUpdate };
      const robot = buildRobot(spec, dynamics, { kind: 'flat' });
      stepRobot(robot, spec, new Float64Array(spec.joints.length).fill(1));
      const spins = robot.joints.flatMap((j) => {
        const c = j.child.angvel();
        const p = j.parent.angvel();
        return [c.x - p.x, c.y - p.y, c.z - p.z];
      });
      robot.world.free();
      return spins;
    };
    const once = jointSpins('step');
    const every = jointSpins('substep');
    const norm = (v: number[]) => Math.hypot(...v);
    expect(shippedRobot('ant').substeps).toBeGreaterThan(1);
    expect(norm(once)).toBeGreaterThan(1);
    expect(norm(once) / norm(every)).toBeGreaterThan(0.9);
    expect(norm(once.map((x, i) => x - every[i]!)) / norm(every)).toBeLessThan(0.1);
  });

  it.each([
    ...TERRAINS,
    { kind: 'slope', angle: -0.3 } as Terrain,
    { kind: 'stairs', stepHeight: 0.25, stepWidth: 0.2 } as Terrain,
  ])('the $kind ground reaches past where a 5 m/s robot gets in a 10 s episode', (terrain) => {
    const robot = buildRobot(shippedRobot('ant'), NOMINAL_DYNAMICS, terrain);
    robot.world.step(); // builds the query pipeline
    const reach = 5 * 200 * 0.05 + 1;
    for (const [x, z] of [
      [reach, 0],
      [-reach, 0],
      [0, reach],
      [0, -reach],
      [reach * 0.7, reach * 0.7],
      [-reach * 0.7, reach * 0.7],
    ] as const) {
      const top = terrainHeightAt(terrain, x, z) + 50;
      const ray = new RAPIER.Ray({ x, y: top, z }, { x: 0, y: -1, z: 0 });
      const hit = robot.world.castRay(ray, 200, true);
      expect(hit, `ground under (${x}, ${z}) on ${terrain.kind}`).not.toBeNull();
      expect(top - hit!.timeOfImpact).toBeCloseTo(terrainHeightAt(terrain, x, z), 1);
    }
    robot.world.free();
  });

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
