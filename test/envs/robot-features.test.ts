import { beforeAll, describe, expect, it } from 'vitest';
import { buildRobot } from '../../src/envs/build-robot.js';
import { LeggedEnv, type LeggedTask } from '../../src/envs/legged-env.js';
import { initRapier } from '../../src/envs/rapier.js';
import { parseRobotSpec, shippedRobot } from '../../src/envs/robot-spec.js';
import { NOMINAL_DYNAMICS } from '../../src/envs/task.js';

// Small robots written here: a heavy base box resting on the ground (the root) and one or two limbs above it.
const TASK: LeggedTask = {
  goal: { kind: 'direction', direction: [1, 0] },
  dynamics: NOMINAL_DYNAMICS,
  terrain: { kind: 'flat' },
};
const base = {
  name: 'base',
  position: [0, 0.05, 0],
  density: 1000,
  shapes: [{ type: 'box', at: [0, 0.05, 0], halfExtents: [0.5, 0.05, 0.5] }],
};
/** A horizontal arm from the hinge at (0, 0.7, 0) to (0.5, 0.7, 0). */
const arm = {
  name: 'arm',
  position: [0, 0.7, 0],
  density: 1000,
  shapes: [{ type: 'capsule', from: [0, 0.7, 0], to: [0.5, 0.7, 0], radius: 0.03 }],
};
const hinge = (axis: number[], extra: Record<string, unknown> = {}) => ({
  name: 'shoulder',
  parent: 'base',
  child: 'arm',
  anchor: [0, 0.7, 0],
  axis,
  limits: [-1.5, 1.5],
  damping: 0.05,
  ...extra,
});
const JOINT_OBS = ['jointPositions', 'jointVelocities', { sensor: 'jointTorque' }];

function robot(fields: Record<string, unknown>) {
  return parseRobotSpec({
    name: 'test-robot',
    root: 'base',
    spawnClearance: 0,
    bodies: [base, arm],
    observation: JOINT_OBS,
    ...fields,
  });
}

/** Steps `env` for `seconds` with a constant action; returns the last observation. */
function hold(env: LeggedEnv, action: number[], seconds: number): Float32Array {
  let obs = env.reset({ seed: 0 }).obs;
  for (let t = 0; t < seconds / env.dt; t++) {
    const result = env.step(action);
    expect(result.info.reason).toBeUndefined();
    obs = result.obs;
  }
  return obs;
}

beforeAll(async () => {
  await initRapier();
});

describe('actuators', () => {
  it.each([0.5, -0.8])(
    'a position servo holds its target angle %s rad against gravity within 0.03 rad',
    (target) => {
      const spec = robot({
        joints: [hinge([0, 0, 1], { actuator: { type: 'position', kp: 300, kv: 10 } })],
      });
      const env = new LeggedEnv('servo', spec, TASK, { resetNoiseScale: 0 });
      expect(Array.from(env.actionSpace.low)).toEqual([-1.5]); // a position servo's default range: the joint limits
      const [q, qdot] = hold(env, [target], 2);
      expect(Math.abs(q! - target)).toBeLessThan(0.03);
      expect(Math.abs(qdot!)).toBeLessThan(0.05);
    },
  );

  it('a position servo limited to 1 N m cannot hold up a 1.5 kg arm (3.7 N m of gravity); its torque sensor reads the limit', () => {
    const spec = robot({
      joints: [hinge([0, 0, 1], { actuator: { type: 'position', kp: 300, kv: 10, forceRange: [-1, 1] } })],
    });
    const env = new LeggedEnv('weak-servo', spec, TASK, { resetNoiseScale: 0 });
    const [q, , torque] = hold(env, [0.5], 2);
    expect(q).toBeLessThan(-1); // hangs far below its target (the unlimited servo above holds it within 0.03)
    expect(torque).toBeCloseTo(1, 5);
  });

  it('a velocity servo turns a horizontal arm at its target rate, and an IMU on the arm reads it in its own frame', () => {
    const spec = robot({
      joints: [hinge([0, 1, 0], { limits: [-3, 3], actuator: { type: 'velocity', kv: 20 } })],
      observation: ['jointPositions', 'jointVelocities', { sensor: 'imu', body: 'arm' }],
    });
    const env = new LeggedEnv('spinner', spec, TASK, { resetNoiseScale: 0 });
    const obs = hold(env, [1], 1);
    const [q, qdot, , , , , gx, gy, gz] = obs;
    expect(qdot).toBeCloseTo(1, 1);
    expect(q).toBeGreaterThan(0.8);
    // The arm turns about the vertical axis, which is also its own y axis.
    expect(gy).toBeCloseTo(1, 1);
    expect(Math.abs(gx!) + Math.abs(gz!)).toBeLessThan(0.05);
  });

  it('a motor clips its action to ctrlRange and its force to forceRange; the torque sensor reads the applied torque', () => {
    const spec = robot({
      joints: [
        hinge([0, 1, 0], {
          gear: 10,
          actuator: { type: 'motor', ctrlRange: [-0.5, 0.5], forceRange: [-3, 3] },
        }),
      ],
    });
    const env = new LeggedEnv('motor', spec, TASK, { resetNoiseScale: 0 });
    expect([env.actionSpace.low[0], env.actionSpace.high[0]]).toEqual([-0.5, 0.5]);
    env.reset({ seed: 0 });
    expect(env.step([1]).obs[2]).toBeCloseTo(3, 5); // 10 * 0.5 = 5, clipped to 3
    expect(env.step([-0.2]).obs[2]).toBeCloseTo(-2, 5);
  });
});

describe('joints', () => {
  it('a slide joint moves its body along its axis only, up to its limit', () => {
    const slider = {
      name: 'slider',
      position: [0, 0.5, 0],
      density: 500,
      shapes: [{ type: 'box', at: [0, 0.5, 0], halfExtents: [0.05, 0.05, 0.05] }],
    };
    const spec = robot({
      bodies: [base, slider],
      joints: [
        {
          name: 'rail',
          type: 'slide',
          parent: 'base',
          child: 'slider',
          anchor: [0, 0.5, 0],
          axis: [1, 0, 0],
          limits: [-0.3, 0.3],
          damping: 1,
          gear: 20,
        },
      ],
    });
    const env = new LeggedEnv('slide', spec, TASK, { resetNoiseScale: 0 });
    env.reset({ seed: 0 });
    const start = env.poses().slice(7, 10);
    const [x1, v1] = env.step([1]).obs;
    expect(x1).toBeGreaterThan(0);
    expect(v1).toBeGreaterThan(0);
    const [x] = hold(env, [1], 1.5);
    expect(x).toBeCloseTo(0.3, 2);
    const end = env.poses();
    expect(end[7]! - start[0]!).toBeCloseTo(0.3, 2); // moved along x ...
    expect(Math.abs(end[8]! - start[1]!)).toBeLessThan(0.01); // ... did not fall ...
    expect(Math.abs(end[9]! - start[2]!)).toBeLessThan(0.01); // ... nor drift sideways
    expect(Math.abs(end[13]! - 1)).toBeLessThan(1e-3); // and did not turn (quaternion w)
  });

  it('a fixed joint holds a cantilevered body in place and takes no action', () => {
    const spec = robot({
      joints: [{ name: 'weld', type: 'fixed', parent: 'base', child: 'arm', anchor: [0, 0.7, 0] }],
      observation: ['rootHeight'],
    });
    const env = new LeggedEnv('weld', spec, TASK, { resetNoiseScale: 0 });
    expect(env.actionSpace.shape).toEqual([0]);
    env.reset({ seed: 0 });
    const before = env.poses();
    for (let t = 0; t < 40; t++) env.step([]);
    const after = env.poses();
    const rel = (p: Float32Array, k: number) => p[7 + k]! - p[k]!;
    for (let k = 0; k < 3; k++) expect(Math.abs(rel(after, k) - rel(before, k))).toBeLessThan(0.005);
  });
});

describe('mass', () => {
  const massOf = (spec: ReturnType<typeof robot>, scale = 1) => {
    const built = buildRobot(spec, { ...NOMINAL_DYNAMICS, massScale: scale }, { kind: 'flat' });
    built.world.step(); // Rapier folds mass given outright into the body at its first step
    const masses = built.bodies.map((b) => b.mass());
    const inertia = built.bodies[1]!.principalInertia();
    built.world.free();
    return { masses, inertia };
  };
  const joints = [hinge([0, 0, 1], { gear: 1 })];

  it('an explicit mass gives the body that mass, whatever its shapes, scaled by the task', () => {
    const twoShapes = {
      ...arm,
      density: undefined,
      mass: 3,
      shapes: [...arm.shapes, { type: 'sphere', at: [0.5, 0.7, 0], radius: 0.1 }],
    };
    const spec = robot({ bodies: [base, twoShapes], joints });
    expect(massOf(spec).masses[1]).toBeCloseTo(3, 5);
    expect(massOf(spec, 2).masses[1]).toBeCloseTo(6, 5);
  });

  it('explicit inertia gives the body those principal moments (plus the joint armature)', () => {
    const heavy = { ...arm, density: undefined, mass: 2, inertia: [0.1, 0.2, 0.3] };
    const spec = robot({ bodies: [base, heavy], joints: [hinge([0, 0, 1], { gear: 1, armature: 0.05 })] });
    const { masses, inertia } = massOf(spec);
    expect(masses[1]).toBeCloseTo(2, 5);
    const moments = [inertia.x, inertia.y, inertia.z].sort();
    expect(moments[0]).toBeCloseTo(0.15, 4);
    expect(moments[1]).toBeCloseTo(0.25, 4);
    expect(moments[2]).toBeCloseTo(0.35, 4);
  });
});

describe('collision groups', () => {
  // A table welded to the base under the arm: the arm falls onto it unless they may pass through each other.
  const table = {
    name: 'table',
    position: [0.3, 0.4, 0],
    density: 1000,
    shapes: [{ type: 'box', at: [0.3, 0.4, 0], halfExtents: [0.15, 0.02, 0.15] }],
  };
  const joints = [
    hinge([0, 0, 1], { gear: 1 }),
    { name: 'legs', type: 'fixed', parent: 'base', child: 'table', anchor: [0.3, 0.4, 0] },
  ];
  const fallenAngle = (collision?: Record<string, unknown>) => {
    const spec = robot({ bodies: [base, arm, table], joints, ...(collision ? { collision } : {}) });
    const env = new LeggedEnv('table', spec, TASK, { resetNoiseScale: 0 });
    return hold(env, [0], 2)[0]!;
  };

  it('by default robot bodies pass through each other (the arm falls to its limit)', () => {
    expect(fallenAngle()).toBeLessThan(-1.4);
  });

  it('with selfCollision the arm comes to rest on the table', () => {
    const angle = fallenAngle({ selfCollision: true });
    expect(angle).toBeGreaterThan(-0.8);
    expect(angle).toBeLessThan(-0.3);
  });

  it('bodies in one collision group pass through each other even with selfCollision', () => {
    expect(fallenAngle({ selfCollision: true, groups: [['arm', 'table']] })).toBeLessThan(-1.4);
  });
});

describe('sensors', () => {
  it('a contact force sensor reads zero in the air and the body weight once it rests on the ground', () => {
    const block = parseRobotSpec({
      name: 'block',
      root: 'base',
      spawnClearance: 0.05,
      bodies: [base, { ...arm, density: 100 }],
      joints: [hinge([0, 1, 0], { gear: 1 })],
      observation: [{ sensor: 'contactForce', bodies: ['base'] }],
    });
    const env = new LeggedEnv('block', block, TASK, { resetNoiseScale: 0 });
    const first = env.reset({ seed: 0 }).obs;
    expect(Array.from(first).every((v) => v === 0)).toBe(true);
    const built = buildRobot(block, NOMINAL_DYNAMICS, { kind: 'flat' });
    const weight = built.bodies.reduce((sum, b) => sum + b.mass(), 0) * 9.81;
    built.world.free();
    const resting = hold(env, [0], 1.5);
    expect(resting[1]! / weight).toBeGreaterThan(0.95); // ground pushes up with the weight of base and arm
    expect(resting[1]! / weight).toBeLessThan(1.05);
  });
});

describe('reward weights in the spec', () => {
  it('forwardRewardWeight scales the forward term and contactCostWeight adds a contact cost to the gymnasium preset', () => {
    const ant = shippedRobot('ant');
    const weighted = parseRobotSpec({
      ...ant,
      reward: { ...ant.reward, forwardRewardWeight: 2.5, contactCostWeight: 0.001 },
    });
    const task: LeggedTask = { ...TASK, goal: { kind: 'direction', direction: [1, 0] } };
    const plain = new LeggedEnv('ant', ant, task, { reward: 'gymnasium' });
    const scaled = new LeggedEnv('ant', weighted, task, { reward: 'gymnasium' });
    plain.reset({ seed: 3 });
    scaled.reset({ seed: 3 });
    let contact = 0;
    for (let t = 0; t < 20; t++) {
      const action = Array.from({ length: 8 }, (_, i) => Math.sin(t + i));
      const a = plain.step(action);
      const b = scaled.step(action);
      expect(b.obs).toEqual(a.obs); // weights change the reward, never the physics
      expect(b.info.rewardTerms.forward).toBeCloseTo(2.5 * a.info.rewardTerms.forward!, 10);
      expect(a.info.rewardTerms.contactCost).toBeUndefined();
      contact += b.info.rewardTerms.contactCost!;
      const sum = Object.values(b.info.rewardTerms).reduce((x, y) => x + y, 0);
      expect(b.reward).toBeCloseTo(sum, 10);
    }
    expect(contact).toBeLessThan(0); // the ant stands on its feet: contact costs something
  });
});
