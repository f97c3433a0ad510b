import { describe, expect, it } from 'vitest';
import type { Rng } from '../../src/core/rng.js';
import { type Goal, LeggedEnv, type LeggedOptions, type LeggedTask } from '../../src/envs/legged-env.js';
import { initRapier } from '../../src/envs/rapier.js';
import type { World } from '../../src/envs/rapier-env.js';
import { type RobotSpec, shippedRobot } from '../../src/envs/robot-spec.js';
import { NOMINAL_DYNAMICS } from '../../src/envs/task.js';
import { terrainHeightAt } from '../../src/envs/terrain.js';

// The legged env from its definition (src/envs/legged-env.ts header), on the shipped ant (observation: rootHeight,
// rootQuaternion, 8 joint positions, rootLinvel, rootAngvel, 8 joint velocities) and cheetah (rootHeight, rootPitch,
// 6 joint positions, rootLinvelPlanar, rootAngvelPitch, 6 joint velocities), mostly floating in zero gravity where
// the motion is known without the physics: a rigid motion moves no joint, a joint's velocity is its angle's rate.
await initRapier();

type Vec = { x: number; y: number; z: number };
const cross = (a: Vec, b: Vec): Vec => ({
  x: a.y * b.z - a.z * b.y,
  y: a.z * b.x - a.x * b.z,
  z: a.x * b.y - a.y * b.x,
});

interface Setup {
  /** Rigid shift of the robot so that its root sits here (each coordinate optional). */
  root?: Partial<Vec>;
  /** Rigid motion: root velocity and angular velocity shared by every body (v + w x r). */
  v?: Vec;
  w?: Vec;
  /** Linear damping on every body. */
  damping?: number;
  /** Called with every dynamic body's velocities after the env's own build (reset noise). */
  inspect?: (bodies: { linvel: Vec; angvel: Vec }[]) => void;
}

/** A legged env whose robot is placed and set moving at each reset, after the env's own build. */
class Placed extends LeggedEnv {
  constructor(
    robot: 'ant' | 'cheetah' | RobotSpec,
    goal: Goal,
    private readonly setup: Setup,
    options: Partial<LeggedOptions> = {},
    dynamics: Partial<LeggedTask['dynamics']> = { gravityScale: 0 },
    terrain: LeggedTask['terrain'] = { kind: 'flat' },
  ) {
    // Shipped robots float 3 m up, with a healthy range that does not end the episode there.
    const spec =
      typeof robot === 'string'
        ? { ...shippedRobot(robot), spawnClearance: 3, healthy: { minHeight: -100, maxHeight: 1000 } }
        : robot;
    super(
      typeof robot === 'string' ? robot : spec.name,
      spec,
      { goal, dynamics: { ...NOMINAL_DYNAMICS, ...dynamics }, terrain },
      { resetNoiseScale: 0, ...options },
    );
  }

  /** Every dynamic body's rotation and angular velocity now, in the spec's body order. */
  bodyStates(): { q: { x: number; y: number; z: number; w: number }; w: Vec }[] {
    const out: { q: { x: number; y: number; z: number; w: number }; w: Vec }[] = [];
    this.world!.forEachRigidBody((b) => {
      if (b.isDynamic()) out.push({ q: { ...b.rotation() }, w: { ...b.angvel() } });
    });
    return out;
  }

  protected override build(task: LeggedTask, rng: Rng): World {
    const world = super.build(task, rng);
    const s = this.setup;
    const bodies: ReturnType<World['getRigidBody']>[] = [];
    world.forEachRigidBody((b) => {
      if (b.isDynamic()) bodies.push(b);
    });
    s.inspect?.(bodies.map((b) => ({ linvel: { ...b.linvel() }, angvel: { ...b.angvel() } })));
    const rootIndex = this.spec.bodies.findIndex((b) => b.name === this.spec.root);
    const pose = this.poses();
    const root = { x: pose[rootIndex * 7]!, y: pose[rootIndex * 7 + 1]!, z: pose[rootIndex * 7 + 2]! };
    // Rapier's linvel is the centre of mass's: the rigid motion turns about the root's centre of mass.
    const pivot = bodies[rootIndex]!.worldCom();
    const shift = {
      x: (s.root?.x ?? root.x) - root.x,
      y: (s.root?.y ?? root.y) - root.y,
      z: (s.root?.z ?? root.z) - root.z,
    };
    const v = s.v ?? { x: 0, y: 0, z: 0 };
    const w = s.w ?? { x: 0, y: 0, z: 0 };
    for (const b of bodies) {
      const t = b.translation();
      b.setTranslation({ x: t.x + shift.x, y: t.y + shift.y, z: t.z + shift.z }, true);
      const c = b.worldCom();
      const r = { x: c.x - pivot.x, y: c.y - pivot.y, z: c.z - pivot.z };
      const wr = cross(w, r);
      if (s.v || s.w) {
        b.setLinvel({ x: v.x + wr.x, y: v.y + wr.y, z: v.z + wr.z }, true);
        b.setAngvel(w, true);
      }
      if (s.damping !== undefined) b.setLinearDamping(s.damping);
    }
    return world;
  }
}

type Quat = { x: number; y: number; z: number; w: number };
const quatConj = (q: Quat): Quat => ({ x: -q.x, y: -q.y, z: -q.z, w: q.w });
const quatMul = (a: Quat, b: Quat): Quat => ({
  w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
  x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
  y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
  z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
});
const rotateVec = (q: Quat, v: Vec): Vec => {
  const r = quatMul(quatMul(q, { ...v, w: 0 }), quatConj(q));
  return { x: r.x, y: r.y, z: r.z };
};

const DIRECTION: Goal = { kind: 'direction', direction: [1, 0] };
const rootPose = (env: LeggedEnv) => Array.from(env.poses().subarray(0, 7));

describe('the legged observation, part by part', () => {
  it('ant: rootHeight, rootQuaternion, joint positions 0, rootLinvel, rootAngvel, joint velocities 0 in a rigid motion', () => {
    const v = { x: 0.7, y: 0.3, z: -0.4 };
    // Turning about the vertical, a principal axis of the symmetric ant: the motion stays rigid.
    const w = { x: 0, y: -0.5, z: 0 };
    const env = new Placed('ant', DIRECTION, { root: { y: 2.5 }, v, w });
    expect(env.observationSpace.shape).toEqual([27]);
    env.reset({ seed: 0 });
    const { obs } = env.step(new Float32Array(8));
    const root = rootPose(env);
    expect(obs[0]).toBeCloseTo(root[1]!, 5);
    expect(obs[0]).toBeCloseTo(2.5 + 0.05 * 0.3, 2);
    for (let i = 0; i < 4; i++) expect(obs[1 + i], `quaternion ${i}`).toBeCloseTo(root[3 + i]!, 5);
    expect(Math.hypot(...obs.subarray(1, 5))).toBeCloseTo(1, 5);
    for (let i = 0; i < 8; i++) expect(Math.abs(obs[5 + i]!), `joint ${i}`).toBeLessThan(1e-2);
    expect(obs[13]).toBeCloseTo(v.x, 1);
    expect(obs[14]).toBeCloseTo(v.y, 1);
    expect(obs[15]).toBeCloseTo(v.z, 1);
    expect(obs[16]).toBeCloseTo(w.x, 2);
    expect(obs[17]).toBeCloseTo(w.y, 2);
    expect(obs[18]).toBeCloseTo(w.z, 2);
    for (let i = 0; i < 8; i++) expect(Math.abs(obs[19 + i]!), `joint velocity ${i}`).toBeLessThan(1e-2);
    env.close();
  });

  it('cheetah: rootHeight, rootLinvelPlanar (x, y), joints at rest in a translation', () => {
    const v = { x: 0.8, y: 0.5, z: 0 };
    const env = new Placed('cheetah', DIRECTION, { root: { y: 2 }, v });
    expect(env.observationSpace.shape).toEqual([17]);
    env.reset({ seed: 0 });
    for (let t = 1; t <= 3; t++) {
      const { obs } = env.step(new Float32Array(6));
      const root = rootPose(env);
      expect(obs[0]).toBeCloseTo(root[1]!, 5);
      expect(obs[0]).toBeCloseTo(2 + 0.5 * 0.05 * t, 3);
      expect(obs[1]).toBeCloseTo(0, 4);
      for (let i = 0; i < 6; i++) expect(Math.abs(obs[2 + i]!), `joint ${i}`).toBeLessThan(1e-3);
      expect(obs[8]).toBeCloseTo(v.x, 3);
      expect(obs[9]).toBeCloseTo(v.y, 3);
      expect(obs[10]).toBeCloseTo(0, 3);
      for (let i = 0; i < 6; i++) expect(Math.abs(obs[11 + i]!), `joint velocity ${i}`).toBeLessThan(1e-3);
    }
    env.close();
  });

  it('cheetah: rootPitch = 2 atan2(qz, qw) of the root, and rootAngvelPitch its rate', () => {
    const env = new Placed('cheetah', DIRECTION, { root: { y: 2 }, w: { x: 0, y: 0, z: 1.5 } });
    env.reset({ seed: 0 });
    const pitch: number[] = [];
    const rate: number[] = [];
    for (let t = 1; t <= 4; t++) {
      const { obs } = env.step(new Float32Array(6));
      const root = rootPose(env);
      expect(obs[1]).toBeCloseTo(2 * Math.atan2(root[5]!, root[6]!), 5);
      pitch.push(obs[1]!);
      rate.push(obs[10]!);
    }
    expect(pitch[3]!).toBeGreaterThan(0.1);
    for (let t = 1; t < 3; t++) {
      const central = (pitch[t + 1]! - pitch[t - 1]!) / (2 * env.dt);
      expect(Math.abs(rate[t]! - central)).toBeLessThan(0.25 * Math.abs(central));
    }
    env.close();
  });

  for (const robot of ['ant', 'cheetah'] as const) {
    it(`${robot}: joint i's position is the child's turn about the axis relative to its parent, its velocity (w_child - w_parent) . axis`, () => {
      // MuJoCo's hinge qpos and qvel: the twist of q_parent^-1 q_child about the joint axis (in the parent's frame),
      // and the relative angular velocity along the axis in the world.
      const spec = shippedRobot(robot);
      const n = spec.joints.length;
      const [q0, qd0] = robot === 'ant' ? [5, 19] : [2, 11];
      const index = new Map(spec.bodies.map((b, i) => [b.name, i]));
      const env = new Placed(robot, DIRECTION, { root: { y: 3 } }, { resetNoiseScale: 0.5 });
      env.reset({ seed: 4 });
      const action = Float32Array.from({ length: n }, (_, i) => (i % 2 ? 0.4 : -0.3) * (1 + i / n));
      let moved = 0;
      for (let t = 0; t < 4; t++) {
        const { obs } = env.step(action);
        const bodies = env.bodyStates();
        spec.joints.forEach((j, i) => {
          if (j.type === 'fixed') throw new Error('the shipped robots have no fixed joints');
          const p = bodies[index.get(j.parent)!]!;
          const c = bodies[index.get(j.child)!]!;
          const len = Math.hypot(...j.axis);
          const axis = { x: j.axis[0] / len, y: j.axis[1] / len, z: j.axis[2] / len };
          const rel = quatMul(quatConj(p.q), c.q);
          const angle = 2 * Math.atan2(rel.x * axis.x + rel.y * axis.y + rel.z * axis.z, rel.w);
          expect(obs[q0 + i], `step ${t} joint ${j.name} position`).toBeCloseTo(angle, 4);
          const a = rotateVec(p.q, axis);
          const rate = (c.w.x - p.w.x) * a.x + (c.w.y - p.w.y) * a.y + (c.w.z - p.w.z) * a.z;
          expect(obs[qd0 + i], `step ${t} joint ${j.name} velocity`).toBeCloseTo(rate, 4);
          moved = Math.max(moved, Math.abs(rate), Math.abs(angle));
        });
      }
      expect(moved).toBeGreaterThan(0.1);
      env.close();
    });
  }

  it('an action drives the joints: full torque turns them, no torque leaves a floating robot at rest', () => {
    const env = new Placed('ant', DIRECTION, { root: { y: 3 } });
    env.reset({ seed: 0 });
    // The ant's joint velocities are observations 19 to 26 (after height, quaternion, 8 positions, 3 + 3 velocities).
    const jointVelocities = (obs: Float32Array) => Array.from(obs.subarray(19, 27));
    const still = jointVelocities(env.step(new Float32Array(8)).obs);
    expect(Math.max(...still.map(Math.abs))).toBeLessThan(1e-3);
    const driven = jointVelocities(env.step(new Float32Array(8).fill(1)).obs);
    // (Joints already at a limit in the torque's direction stay there: most, not all, must turn.)
    expect(driven.filter((v) => Math.abs(v) > 0.1).length).toBeGreaterThanOrEqual(4);
    env.close();
  });

  it('rootHeight is measured above the terrain under the root (a slope, and rough ground that varies along z)', () => {
    const slope = { kind: 'slope', angle: 0.2 } as const;
    const rough = { kind: 'rough', amplitude: 0.3, scale: 1, seed: 3 } as const;
    for (const terrain of [slope, rough]) {
      const env = new Placed(
        'ant',
        DIRECTION,
        { root: { x: 3, y: 4, z: 1.3 } },
        {},
        { gravityScale: 0 },
        terrain,
      );
      env.reset({ seed: 0 });
      const { obs } = env.step(new Float32Array(8));
      const root = rootPose(env);
      const ground = terrainHeightAt(terrain, root[0]!, root[2]!);
      if (terrain === slope) expect(ground).toBeGreaterThan(0.3);
      // Under the root, not at z = 0: on rough ground the two differ.
      else expect(Math.abs(ground - terrainHeightAt(terrain, root[0]!, 0))).toBeGreaterThan(0.01);
      expect(obs[0]).toBeCloseTo(root[1]! - ground, 5);
      expect(env.terrain).toEqual(terrain);
      env.close();
    }
  });
});

describe('the legged reward terms', () => {
  it('forward: "maml" is the root velocity at the end of the step, "gymnasium" the displacement over dt', () => {
    // Damped bodies: the velocity falls over the step, so the two differ.
    const d: [number, number] = [0.6, 0.8];
    const terms = (reward: LeggedOptions['reward']) => {
      const env = new Placed(
        'ant',
        { kind: 'direction', direction: d },
        { root: { y: 3, z: 1.5 }, v: { x: 2, y: 0, z: 1 }, damping: 3 },
        { reward },
      );
      expect(env.rewardPreset).toBe(reward);
      env.reset({ seed: 0 });
      const before = rootPose(env);
      const first = env.step(new Float32Array(8));
      const after = rootPose(env);
      const displacement = ((after[0]! - before[0]!) * d[0] + (after[2]! - before[2]!) * d[1]) / env.dt;
      const velocity = first.obs[13]! * d[0] + first.obs[15]! * d[1];
      env.close();
      return {
        forward: first.info.rewardTerms.forward!,
        speed: first.info.speed as number,
        displacement,
        velocity,
      };
    };
    const maml = terms('maml');
    const gym = terms('gymnasium');
    expect(Math.abs(maml.displacement - maml.velocity)).toBeGreaterThan(0.05);
    expect(maml.forward).toBeCloseTo(maml.velocity, 4);
    expect(gym.forward).toBeCloseTo(gym.displacement, 4);
    // info.speed is the displacement rate in either preset.
    expect(maml.speed).toBeCloseTo(maml.displacement, 4);
    expect(gym.speed).toBeCloseTo(gym.displacement, 4);
  });

  it('the forward term is scaled by forwardRewardWeight; a velocity goal is -|v - target| times it', () => {
    const base = shippedRobot('ant');
    const spec: RobotSpec = {
      ...base,
      spawnClearance: 3,
      reward: {
        ...base.reward,
        forwardRewardWeight: 2.5,
        maml: { ...base.reward.maml!, forwardRewardWeight: 0.5 },
      },
    };
    for (const [reward, weight] of [
      ['gymnasium', 2.5],
      ['maml', 0.5],
    ] as const) {
      const step = (goal: Goal) => {
        const env = new Placed(spec, goal, { root: { y: 3 }, v: { x: 1.2, y: 0, z: -0.5 } }, { reward });
        env.reset({ seed: 0 });
        const result = env.step(new Float32Array(8));
        env.close();
        return result.info.rewardTerms.forward!;
      };
      expect(step({ kind: 'direction', direction: [1, 0] })).toBeCloseTo(weight * 1.2, 2);
      expect(step({ kind: 'direction', direction: [0, -1] })).toBeCloseTo(weight * 0.5, 2);
      expect(step({ kind: 'velocity', velocity: 2, direction: [1, 0] })).toBeCloseTo(-weight * 0.8, 2);
      expect(step({ kind: 'velocity', velocity: -1, direction: [0, 1] })).toBeCloseTo(-weight * 0.5, 2);
    }
  });

  it('position goal: goalDistance -|root xz - goal|, no forward term, and info.speed the rate of closing in', () => {
    const env = new Placed(
      'ant',
      { kind: 'position', position: [3, -4] },
      { root: { y: 3, z: 0.5 }, v: { x: 1, y: 0, z: -2 } },
    );
    env.reset({ seed: 0 });
    const before = rootPose(env);
    const { info } = env.step(new Float32Array(8));
    const after = rootPose(env);
    const dist = (p: number[]) => Math.hypot(p[0]! - 3, p[2]! + 4);
    expect(info.rewardTerms.goalDistance).toBeCloseTo(-dist(after), 5);
    expect(info.rewardTerms.forward).toBeUndefined();
    expect(info.speed).toBeCloseTo((dist(before) - dist(after)) / env.dt, 3);
    // Heading at (1, -2) to a goal off along (3, -4.5): closing at about (3 + 9) / 5.41 m/s.
    expect(info.speed).toBeCloseTo(12 / Math.hypot(3, 4.5), 1);
    env.close();
  });

  it('healthy: paid and not terminated on both ends of the range (inclusive), terminated outside it', () => {
    // The root's height after one step, read from a first run; the same run again ends there exactly.
    const base = { ...shippedRobot('ant'), spawnClearance: 3 };
    const stepOnce = (healthy: { minHeight: number; maxHeight: number }) => {
      const env = new Placed(
        { ...base, healthy },
        DIRECTION,
        { root: { y: 1.5 }, v: { x: 0, y: 0.3, z: 0 } },
        { reward: 'gymnasium' },
      );
      env.reset({ seed: 0 });
      const result = env.step(new Float32Array(8));
      env.close();
      return result;
    };
    const h = stepOnce({ minHeight: 0, maxHeight: 10 }).obs[0]!;
    expect(h).toBeGreaterThan(1.5);
    const healthy = base.reward.healthyReward;
    expect(healthy).toBeGreaterThan(0);
    for (const range of [
      { minHeight: h, maxHeight: h + 1 },
      { minHeight: h - 1, maxHeight: h },
    ]) {
      const r = stepOnce(range);
      expect(r.obs[0]).toBe(h);
      expect(r.terminated).toBe(false);
      expect(r.info.rewardTerms.healthy).toBe(healthy);
    }
    for (const range of [
      { minHeight: h + 1e-3, maxHeight: h + 1 },
      { minHeight: h - 1, maxHeight: h - 1e-3 },
    ]) {
      const r = stepOnce(range);
      expect(r.terminated).toBe(true);
      expect(r.info.rewardTerms.healthy).toBe(0);
      expect(r.info.reason).toBeUndefined();
    }
  });

  it('a robot without a healthy range never terminates by height; no healthy term without a healthy reward', () => {
    const { healthy: _none, ...spec } = { ...shippedRobot('cheetah'), spawnClearance: 3 };
    const env = new Placed(spec as RobotSpec, DIRECTION, { root: { y: 50 } });
    env.reset({ seed: 0 });
    const r = env.step(new Float32Array(6));
    expect(r.terminated).toBe(false);
    expect(r.info.rewardTerms.healthy).toBeUndefined();
    expect(Object.keys(r.info.rewardTerms).sort()).toEqual(['ctrlCost', 'forward']);
    env.close();
  });
});

describe('the legged episode ends', () => {
  for (const [where, root] of [
    ['x > 100', { x: 150 }],
    ['x < -100', { x: -150 }],
    ['z > 100', { z: 150 }],
    ['z < -100', { z: -150 }],
    ['y > 100', { y: 150 }],
    ['y < -10', { y: -20 }],
  ] as const) {
    it(`a robot placed at ${where} ends as physics_unstable at its first step`, () => {
      const env = new Placed('ant', DIRECTION, { root });
      env.reset({ seed: 0 });
      const r = env.step(new Float32Array(8));
      expect(r.terminated).toBe(true);
      expect(r.info.reason).toBe('physics_unstable');
      env.close();
    });
  }

  it('every body counts: a leg past 100 m with the torso inside ends the episode', () => {
    const probe = new Placed('ant', DIRECTION, { root: { x: 50, y: 50 } });
    probe.reset({ seed: 0 });
    const poses = probe.poses();
    probe.close();
    const reach = Math.max(...Array.from({ length: 9 }, (_, b) => poses[b * 7]! - 50));
    expect(reach).toBeGreaterThan(0.2);
    const inside = new Placed('ant', DIRECTION, { root: { x: 100 - reach - 0.05, y: 50 } });
    inside.reset({ seed: 0 });
    expect(inside.step(new Float32Array(8)).info.reason).toBeUndefined();
    inside.close();
    const edge = new Placed('ant', DIRECTION, { root: { x: 100 - reach / 2, y: 50 } });
    edge.reset({ seed: 0 });
    expect(edge.poses()[0]).toBeLessThan(100);
    expect(edge.step(new Float32Array(8)).info.reason).toBe('physics_unstable');
    edge.close();
  });
});

describe('the legged reset and task checks', () => {
  it('reset noise: uniform in [-s, s] on every body velocity; planar robots only in their plane', () => {
    for (const robot of ['ant', 'cheetah'] as const) {
      const seen: { linvel: Vec; angvel: Vec }[] = [];
      const env = new Placed(robot, DIRECTION, { inspect: (b) => seen.push(...b) }, { resetNoiseScale: 0.3 });
      for (let seed = 0; seed < 3; seed++) env.reset({ seed: 1000 + seed });
      env.close();
      const all = seen.flatMap((b) => [
        b.linvel.x,
        b.linvel.y,
        b.linvel.z,
        b.angvel.x,
        b.angvel.y,
        b.angvel.z,
      ]);
      expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.3);
      const comps = (pick: (b: { linvel: Vec; angvel: Vec }) => number) => seen.map(pick);
      const varies = (xs: number[]) => Math.max(...xs) - Math.min(...xs) > 0.1;
      expect(varies(comps((b) => b.linvel.x))).toBe(true);
      expect(varies(comps((b) => b.linvel.y))).toBe(true);
      expect(varies(comps((b) => b.angvel.z))).toBe(true);
      if (robot === 'cheetah') {
        for (const b of seen) expect([b.linvel.z, b.angvel.x, b.angvel.y]).toEqual([0, 0, 0]);
      } else {
        expect(varies(comps((b) => b.linvel.z))).toBe(true);
        expect(varies(comps((b) => b.angvel.x))).toBe(true);
        expect(varies(comps((b) => b.angvel.y))).toBe(true);
      }
    }
  });

  it('a planar robot refuses a goal off its plane, naming the field', () => {
    const task = (goal: Goal) => ({
      goal,
      dynamics: { ...NOMINAL_DYNAMICS },
      terrain: { kind: 'flat' } as const,
    });
    const make = (goal: Goal) => new LeggedEnv('cheetah', shippedRobot('cheetah'), task(goal));
    expect(() => make({ kind: 'direction', direction: [0.6, 0.8] })).toThrow(
      'task.goal.direction[1]: expected 0 for the planar cheetah (it moves along x only), got 0.8',
    );
    expect(() => make({ kind: 'position', position: [3, -2] })).toThrow(
      'task.goal.position[1]: expected 0 for the planar cheetah (it moves along x only), got -2',
    );
    expect(() => make({ kind: 'velocity', velocity: 1, direction: [-1, 0] })).not.toThrow();
    expect(() => make({ kind: 'position', position: [3, 0] })).not.toThrow();
    // The ant moves in the plane: any direction.
    expect(
      () => new LeggedEnv('ant', shippedRobot('ant'), task({ kind: 'direction', direction: [0.6, 0.8] })),
    ).not.toThrow();
  });

  it('refuses a body mass scale of a body the robot lacks and a crippled leg it does not have, naming them', () => {
    const task = (dynamics: Partial<LeggedTask['dynamics']>) => ({
      goal: DIRECTION,
      dynamics: { ...NOMINAL_DYNAMICS, ...dynamics },
      terrain: { kind: 'flat' } as const,
    });
    const ant = shippedRobot('ant');
    expect(() => new LeggedEnv('ant', ant, task({ bodyMassScale: { torso: 2, tail: 1 } }))).toThrow(
      `task.dynamics.bodyMassScale.tail: expected a body of ant (${ant.bodies.map((b) => b.name).join(', ')}), got "tail"`,
    );
    expect(() => new LeggedEnv('ant', ant, task({ bodyMassScale: { torso: 2 } }))).not.toThrow();
    expect(() => new LeggedEnv('ant', ant, task({ crippledLeg: 3 }))).not.toThrow();
    expect(() => new LeggedEnv('ant', ant, task({ crippledLeg: null }))).not.toThrow();
    expect(() => new LeggedEnv('ant', ant, task({ crippledLeg: 4 }))).toThrow(
      /^task\.dynamics\.crippledLeg: expected null or a leg of ant \(0: [\w+]+, 1: [\w+]+, 2: [\w+]+, 3: [\w+]+\), got 4$/,
    );
  });

  it('describes the goal in the scene: a direction and a velocity along it, a position on the terrain', () => {
    const terrain = { kind: 'slope', angle: 0.1 } as const;
    const scene = (goal: Goal) =>
      new LeggedEnv('ant', shippedRobot('ant'), {
        goal,
        dynamics: { ...NOMINAL_DYNAMICS },
        terrain,
      }).describeScene();
    expect(scene({ kind: 'direction', direction: [0.6, -0.8] }).goal).toEqual({
      kind: 'direction',
      direction: [0.6, 0, -0.8],
    });
    expect(scene({ kind: 'velocity', velocity: 1.5, direction: [0, 1] }).goal).toEqual({
      kind: 'velocity',
      velocity: 1.5,
      direction: [0, 0, 1],
    });
    expect(scene({ kind: 'position', position: [4, -2] }).goal).toEqual({
      kind: 'position',
      position: [4, terrainHeightAt(terrain, 4, -2), -2],
    });
    expect(terrainHeightAt(terrain, 4, -2)).toBeGreaterThan(0.1);
    const s = scene(DIRECTION);
    expect(s.env).toBe('ant');
    expect(s.up).toBe('y');
    expect(s.bodies).toHaveLength(9);
    expect((s.task as LeggedTask).terrain).toEqual(terrain);
    expect(
      new LeggedEnv('ant', shippedRobot('ant'), {
        goal: DIRECTION,
        dynamics: NOMINAL_DYNAMICS,
        terrain,
      }).poses(),
    ).toEqual(new Float32Array(9 * 7));
  });
});
