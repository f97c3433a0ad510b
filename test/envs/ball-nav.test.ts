import { describe, expect, it } from 'vitest';
import { deriveSeed } from '../../src/core/rng.js';
import {
  BALL_NAV_DEFAULTS,
  BallNavEnv,
  type BallNavTask,
  ballNavTaskDistribution,
  defaultBallNavTask,
} from '../../src/envs/ball-nav.js';
import { initRapier } from '../../src/envs/rapier.js';
import { CONTROL_DT, PHYSICS_DT } from '../../src/envs/rapier-env.js';
import { NOMINAL_DYNAMICS } from '../../src/envs/task.js';

// ball-nav from its definition (src/envs/ball-nav.ts header): a ball of mass `mass * massScale` on a plane, pushed
// by the horizontal force action * maxForce * motorStrength (N); observation [x, z, vx, vz]; reward terms
// goalDistance = -|p - goal| and ctrlCost = -ctrlCostWeight |a|^2; terminated once it falls below y = -1 (off the
// 10 m half-size plane), and ended as physics_unstable 100 m out. Without friction the motion is the physics
// engine's semi-implicit Euler under a constant force: after k substeps of h, v = k a h and x = (1 + ... + k) a h^2.
await initRapier();

const H = PHYSICS_DT;
const SUBSTEPS = Math.round(CONTROL_DT / PHYSICS_DT);

function task(goal: [number, number], dynamics: Partial<BallNavTask['dynamics']> = {}): BallNavTask {
  return {
    goal: { kind: 'position', position: goal },
    dynamics: { ...NOMINAL_DYNAMICS, friction: 0, ...dynamics },
  };
}

describe('ball-nav, one step by hand', () => {
  it('a push of action * maxForce * motorStrength on mass * massScale: observation [x, z, vx, vz], both reward terms', () => {
    // Force (30 * 2 * 0.5, 30 * 2 * -0.25) = (30, -15) N on 0.5 kg: a = (60, -30) m/s^2.
    const env = new BallNavEnv(task([2, -3], { massScale: 0.5, motorStrength: 2 }), { resetNoiseScale: 0 });
    env.reset({ seed: 1 });
    const action = Float32Array.from([0.5, -0.25]);
    const a = [60, -30];
    for (let step = 1; step <= 3; step++) {
      const k = step * SUBSTEPS;
      const { obs, reward, terminated, info } = env.step(action);
      // Positions: the engine's integrator lies between explicit (k(k-1)/2 a h^2) and semi-implicit Euler
      // (k(k+1)/2 a h^2), and moves along the force.
      for (const [i, ai] of [
        [0, a[0]!],
        [1, a[1]!],
      ] as const) {
        expect(obs[i]! / ai).toBeGreaterThanOrEqual(((k * (k - 1)) / 2) * H * H - 1e-6);
        expect(obs[i]! / ai).toBeLessThanOrEqual(((k * (k + 1)) / 2) * H * H + 1e-6);
      }
      expect(obs[0]! / obs[1]!).toBeCloseTo(a[0]! / a[1]!, 4);
      expect(obs[2]).toBeCloseTo(k * a[0]! * H, 3);
      expect(obs[3]).toBeCloseTo(k * a[1]! * H, 3);
      const goalDistance = -Math.hypot(obs[0]! - 2, obs[1]! + 3);
      const ctrlCost = -0.01 * (0.25 + 0.0625);
      expect(info.rewardTerms.goalDistance).toBeCloseTo(goalDistance, 6);
      expect(info.rewardTerms.ctrlCost).toBeCloseTo(ctrlCost, 8);
      expect(reward).toBeCloseTo(goalDistance + ctrlCost, 6);
      expect(terminated).toBe(false);
      // The ball rests on the plane at its radius; its pose is [x, y, z, quaternion].
      const pose = env.poses();
      expect(pose[0]).toBeCloseTo(obs[0]!, 6);
      expect(pose[1]).toBeCloseTo(BALL_NAV_DEFAULTS.radius, 2);
      expect(pose[2]).toBeCloseTo(obs[1]!, 6);
      expect(Array.from(pose.subarray(3))).toEqual([0, 0, 0, 1]);
    }
    env.close();
  });

  it('options override the defaults: maxForce, mass, ctrlCostWeight, radius', () => {
    const env = new BallNavEnv(task([0, 0]), {
      maxForce: 8,
      mass: 4,
      ctrlCostWeight: 0.5,
      radius: 0.3,
      resetNoiseScale: 0,
    });
    env.reset({ seed: 0 });
    // 8 N * -1 on 4 kg: -2 m/s^2 along z only.
    const { obs, info } = env.step(Float32Array.from([0, -1]));
    expect(obs[0]).toBeCloseTo(0, 6);
    expect(obs[3]).toBeCloseTo(-2 * SUBSTEPS * H, 4);
    expect(info.rewardTerms.ctrlCost).toBeCloseTo(-0.5, 8);
    expect(env.poses()[1]).toBeCloseTo(0.3, 2);
    expect(env.describeScene().bodies[0]!.shapes[0]).toMatchObject({ type: 'sphere', radius: 0.3 });
    env.close();
  });

  it('a new action replaces the last force (forces do not accumulate across steps)', () => {
    const env = new BallNavEnv(task([0, 0]), { resetNoiseScale: 0 });
    env.reset({ seed: 0 });
    const first = env.step(Float32Array.from([1, 0])).obs;
    const second = env.step(Float32Array.from([0, 0])).obs;
    // No force, no friction: the velocity stays what the first push left.
    expect(second[2]).toBeCloseTo(first[2]!, 4);
    expect(first[2]).toBeCloseTo(30 * SUBSTEPS * H, 3);
    env.close();
  });

  it('a ball left at rest long enough for the engine to put it to sleep still moves when pushed', () => {
    const env = new BallNavEnv(task([0, 0], { friction: 1 }), { resetNoiseScale: 0 });
    env.reset({ seed: 0 });
    // 10 s without a force: Rapier puts a body at rest to sleep after about 2 s; a force must wake it.
    for (let t = 0; t < 200; t++) env.step(Float32Array.from([0, 0]));
    const pushed = env.step(Float32Array.from([1, 0])).obs;
    expect(pushed[2]).toBeGreaterThan(0.05);
    env.close();
  });

  it('gravity scales with the task: with gravityScale 0 a ball pushed off the plane does not fall', () => {
    const env = new BallNavEnv(task([0, 0], { gravityScale: 0 }), { resetNoiseScale: 0 });
    env.reset({ seed: 0 });
    for (let t = 0; t < 20; t++) env.step(Float32Array.from([1, 0]));
    // 30 m/s^2 for 1 s: 15 m out, past the 10 m edge, still at its height.
    expect(env.poses()[0]).toBeGreaterThan(12);
    expect(env.poses()[1]).toBeCloseTo(BALL_NAV_DEFAULTS.radius, 2);
    env.close();
  });

  it('the start position is uniform noise of half-width resetNoiseScale around the origin', () => {
    const env = new BallNavEnv(task([0, 0]), { resetNoiseScale: 0.5 });
    const starts: number[][] = [];
    for (let i = 0; i < 40; i++) {
      env.reset({ seed: deriveSeed(11, i) });
      starts.push(Array.from(env.poses().subarray(0, 3)));
    }
    for (const [x, , z] of starts) {
      expect(Math.abs(x!)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(z!)).toBeLessThanOrEqual(0.5);
    }
    // (x is the first draw of a freshly seeded Rng, which is >= 0.5 of its range for every seed >= 0: a property
    // of the generator's seeding in core/rng.ts, reported there; so only x's spread is checked here, not its sign.)
    expect(new Set(starts.map(([x]) => x)).size).toBe(40);
    expect(Math.max(...starts.map(([x]) => x!)) - Math.min(...starts.map(([x]) => x!))).toBeGreaterThan(0.2);
    expect(starts.some(([, , z]) => z! < -0.2)).toBe(true);
    expect(starts.some(([, , z]) => z! > 0.2)).toBe(true);
    env.close();
  });
});

describe('ball-nav episode ends', () => {
  it('terminates exactly when the ball has fallen below y = -1 off the plane', () => {
    const env = new BallNavEnv(task([0, 0]), { resetNoiseScale: 0 });
    env.reset({ seed: 0 });
    let steps = 0;
    let terminated = false;
    let sawBelowZero = false;
    while (!terminated && steps < 100) {
      const result = env.step(Float32Array.from([1, 0]));
      steps++;
      terminated = result.terminated;
      const y = env.poses()[1]!;
      if (y < 0 && y >= -1) sawBelowZero = true;
      expect(terminated, `step ${steps}, y ${y}`).toBe(y < -1);
      expect(result.info.reason).toBeUndefined();
    }
    expect(terminated).toBe(true);
    expect(sawBelowZero).toBe(true);
    env.close();
  });

  for (const [axis, action] of [
    ['x', [1, 0]],
    ['-x', [-1, 0]],
    ['z', [0, 1]],
    ['-z', [0, -1]],
  ] as const) {
    it(`ends as physics_unstable once the ball is 100 m out along ${axis} (no gravity, so it never falls)`, () => {
      // 30 * 3 N on 0.1 kg: 900 m/s^2, 100 m in about 0.47 s.
      const env = new BallNavEnv(task([0, 0], { gravityScale: 0, massScale: 0.1, motorStrength: 3 }), {
        resetNoiseScale: 0,
      });
      env.reset({ seed: 0 });
      const index = axis.endsWith('x') ? 0 : 2;
      for (let t = 0; t < 40; t++) {
        const result = env.step(Float32Array.from(action));
        const out = Math.abs(env.poses()[index]!);
        if (out < 100) {
          expect(result.terminated, `step ${t}`).toBe(false);
          continue;
        }
        expect(result.terminated).toBe(true);
        expect(result.info.reason).toBe('physics_unstable');
        expect(result.reward).toBe(0);
        break;
      }
      env.close();
    });
  }
});

describe('ball-nav scene and tasks', () => {
  it('describes the ball, the plane and the goal on the ground', () => {
    const env = new BallNavEnv(task([1.5, -2]), { resetNoiseScale: 0 });
    expect(env.poses()).toEqual(new Float32Array(7));
    env.reset({ seed: 0 });
    const scene = env.describeScene();
    expect(scene.env).toBe('ball-nav');
    expect(scene.up).toBe('y');
    expect(scene.bodies).toHaveLength(1);
    expect(scene.bodies[0]!.name).toBe('ball');
    expect(scene.bodies[0]!.shapes).toEqual([
      { type: 'sphere', radius: 0.1, offset: [0, 0, 0], rotation: [0, 0, 0, 1], color: expect.any(String) },
    ]);
    expect(scene.statics).toEqual([
      {
        type: 'box',
        halfExtents: [10, 0.5, 10],
        offset: [0, -0.5, 0],
        rotation: [0, 0, 0, 1],
        color: expect.any(String),
      },
    ]);
    expect(scene.goal).toEqual({ kind: 'position', position: [1.5, 0, -2] });
    expect(scene.task).toEqual(task([1.5, -2]));
    env.close();
  });

  it('the default task: goal (1, 1), nominal dynamics; the action space is [-1, 1]^2', () => {
    expect(defaultBallNavTask()).toEqual({
      goal: { kind: 'position', position: [1, 1] },
      dynamics: NOMINAL_DYNAMICS,
    });
    const env = new BallNavEnv();
    expect(env.id).toBe('ball-nav');
    expect(Array.from(env.actionSpace.low)).toEqual([-1, -1]);
    expect(Array.from(env.actionSpace.high)).toEqual([1, 1]);
    expect(env.observationSpace.shape).toEqual([4]);
    expect(Array.from(env.observationSpace.low)).toEqual([-Infinity, -Infinity, -Infinity, -Infinity]);
    expect(Array.from(env.observationSpace.high)).toEqual([Infinity, Infinity, Infinity, Infinity]);
    // Actions are clipped to the box: a push of 5 is a push of 1.
    env.setTask(task([0, 0]));
    env.reset({ seed: 0 });
    const big = env.step(Float32Array.from([5, 0]));
    expect(big.info.rewardTerms.ctrlCost).toBeCloseTo(-0.01, 8);
    env.close();
  });

  it('refuses a task with a goal off the arena, naming the field', () => {
    expect(() => new BallNavEnv(task([11, 0]))).toThrow(/task\.goal\.position\.0/);
  });

  it('the distribution: goals uniform in [-2, 2]^2 by default, or goalRange; mass and friction ranges; the rest nominal', () => {
    const tasks = ballNavTaskDistribution().sample(200, 5);
    const goals = tasks.flatMap((t) => t.goal.position);
    expect(Math.min(...goals)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...goals)).toBeLessThanOrEqual(2);
    expect(Math.min(...goals)).toBeLessThan(-1.8);
    expect(Math.max(...goals)).toBeGreaterThan(1.8);
    for (const t of tasks) {
      expect(t.goal.kind).toBe('position');
      expect(t.dynamics.massScale).toBeGreaterThanOrEqual(0.7);
      expect(t.dynamics.massScale).toBeLessThanOrEqual(1.3);
      expect(t.dynamics.friction).toBeGreaterThanOrEqual(0.5);
      expect(t.dynamics.friction).toBeLessThanOrEqual(1.25);
      expect([t.dynamics.motorStrength, t.dynamics.jointDamping, t.dynamics.gravityScale]).toEqual([1, 1, 1]);
    }
    const narrow = ballNavTaskDistribution({
      goalRange: [3, 4],
      massScale: [2, 2.5],
      friction: [0, 0.1],
    }).sample(50, 1);
    for (const t of narrow) {
      for (const g of t.goal.position) {
        expect(g).toBeGreaterThanOrEqual(3);
        expect(g).toBeLessThanOrEqual(4);
      }
      expect(t.dynamics.massScale).toBeGreaterThanOrEqual(2);
      expect(t.dynamics.massScale).toBeLessThanOrEqual(2.5);
      expect(t.dynamics.friction).toBeLessThanOrEqual(0.1);
    }
    // x and z are drawn independently.
    expect(narrow.some((t) => t.goal.position[0] !== t.goal.position[1])).toBe(true);
    expect(ballNavTaskDistribution(null).env).toBe('ball-nav');
    expect(() => ballNavTaskDistribution({ goalRange: [0, 1], extra: 1 })).toThrow(/tasks/);
  });
});
