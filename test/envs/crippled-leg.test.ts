import { beforeAll, describe, expect, it } from 'vitest';
import { createAnt } from '../../src/envs/ant.js';
import { createCheetah } from '../../src/envs/cheetah.js';
import type { LeggedTask } from '../../src/envs/legged-env.js';
import { robotLegs } from '../../src/envs/legs.js';
import { initRapier } from '../../src/envs/rapier.js';
import { makeEnv } from '../../src/envs/registry.js';
import { type RobotSpec, shippedRobot } from '../../src/envs/robot-spec.js';
import { MAX_LEGS, NOMINAL_DYNAMICS } from '../../src/envs/task.js';
import { taskFeatures } from '../../src/envs/task-features.js';

beforeAll(async () => {
  await initRapier();
});

describe('legs from the robot spec', () => {
  it('the ant has 4 legs of hip + ankle, the cheetah a back and a front leg of thigh, shin and foot', () => {
    expect(robotLegs(shippedRobot('ant'))).toEqual([
      ['front_left_hip', 'front_left_ankle'],
      ['front_right_hip', 'front_right_ankle'],
      ['back_left_hip', 'back_left_ankle'],
      ['back_right_hip', 'back_right_ankle'],
    ]);
    expect(robotLegs(shippedRobot('cheetah'))).toEqual([
      ['bthigh', 'bshin', 'bfoot'],
      ['fthigh', 'fshin', 'ffoot'],
    ]);
  });

  it('a joint listed before the joint above it still joins its leg, and legs keep spec order', () => {
    const cheetah = shippedRobot('cheetah');
    const reversed = { ...cheetah, joints: [...cheetah.joints].reverse() };
    expect(robotLegs(reversed)).toEqual([
      ['ffoot', 'fshin', 'fthigh'],
      ['bfoot', 'bshin', 'bthigh'],
    ]);
  });
});

/** Sizes of the observation parts that come before the joint angles in the shipped robots. */
const BEFORE_ANGLES: Record<string, number> = { rootHeight: 1, rootQuaternion: 4, rootPitch: 1 };

/**
 * The robot hung 2 m up with gravity off and no reset noise, so only its own torques can move a joint;
 * `crippledLeg` undefined leaves the field out of the task.
 */
function inTheAir(name: 'ant' | 'cheetah', crippledLeg: number | null | undefined) {
  const spec: RobotSpec = { ...shippedRobot(name), spawnClearance: 2, healthy: undefined };
  const task: LeggedTask = {
    goal: { kind: 'direction', direction: [1, 0] },
    dynamics: { ...NOMINAL_DYNAMICS, gravityScale: 0, ...(crippledLeg === undefined ? {} : { crippledLeg }) },
    terrain: { kind: 'flat' },
  };
  const env = (name === 'ant' ? createAnt : createCheetah)(task, spec, { resetNoiseScale: 0 });
  const anglesAt = spec.observation
    .slice(0, spec.observation.indexOf('jointPositions'))
    .reduce((sum, part) => sum + BEFORE_ANGLES[part as string]!, 0);
  /** Largest |angle| each joint reaches over 10 steps of `action`. */
  const swing = (action: number[]): number[] => {
    env.reset({ seed: 0 });
    const most = action.map(() => 0);
    for (let t = 0; t < 10; t++) {
      const { obs } = env.step(Float32Array.from(action));
      most.forEach((m, j) => {
        most[j] = Math.max(m, Math.abs(obs[anglesAt + j]!));
      });
    }
    return most;
  };
  return { spec, legs: robotLegs(spec), swing, close: () => env.close() };
}

describe.each(['ant', 'cheetah'] as const)('a crippled leg of the %s (real Rapier, in the air)', (name) => {
  it("gives no torque: full action on its joints moves nothing, while the same action swings a healthy leg's", () => {
    const legs = robotLegs(shippedRobot(name));
    for (let leg = 0; leg < legs.length; leg++) {
      const crippled = inTheAir(name, leg);
      const healthy = inTheAir(name, null);
      const onThisLeg = crippled.spec.joints.map((j) => (legs[leg]!.includes(j.name) ? 1 : 0));
      try {
        expect(Math.max(...crippled.swing(onThisLeg))).toBeLessThan(1e-4);
        const swung = healthy.swing(onThisLeg).filter((_, j) => onThisLeg[j] === 1);
        expect(Math.min(...swung)).toBeGreaterThan(0.02);
      } finally {
        crippled.close();
        healthy.close();
      }
    }
  });

  it('under full torque on every joint the other legs still swing, and null is the healthy robot, bit for bit', () => {
    const robot = inTheAir(name, 0);
    const healthy = inTheAir(name, null);
    const all = robot.spec.joints.map(() => 1);
    try {
      const swung = robot.swing(all);
      const others = robot.spec.joints
        .map((j, i) => (robot.legs[0]!.includes(j.name) ? null : swung[i]!))
        .filter((v) => v !== null);
      expect(Math.min(...others)).toBeGreaterThan(0.02);
      expect(swung).not.toEqual(healthy.swing(all));
      // null names no leg: the same episode as a task without the field.
      const unset = inTheAir(name, undefined);
      expect(unset.swing(all)).toEqual(healthy.swing(all));
      unset.close();
    } finally {
      robot.close();
      healthy.close();
    }
  });
});

describe('crippled-leg tasks are validated', () => {
  const task = (dynamics: object) => ({
    goal: { kind: 'direction', direction: [1, 0] },
    dynamics: { ...NOMINAL_DYNAMICS, ...dynamics },
    terrain: { kind: 'flat' },
  });

  it("a leg the robot lacks is refused, naming the field and the robot's legs", async () => {
    await expect(makeEnv('cheetah', { task: task({ crippledLeg: 2 }) })).rejects.toThrow(
      'task.dynamics.crippledLeg: expected null or a leg of half-cheetah (0: bthigh+bshin+bfoot, 1: fthigh+fshin+ffoot), got 2',
    );
    await expect(makeEnv('ant', { task: task({ crippledLeg: 4 }) })).rejects.toThrow(
      /^task\.dynamics\.crippledLeg: expected null or a leg of ant \(0: front_left_hip\+front_left_ankle, .*3: back_right_hip\+back_right_ankle\), got 4$/,
    );
    await expect(makeEnv('ant', { task: task({ crippledLeg: 8 }) })).rejects.toThrow(
      'task.dynamics.crippledLeg: expected a value <= 7, got 8',
    );
    await expect(makeEnv('ant', { task: task({ crippledLeg: 1.5 }) })).rejects.toThrow(
      /^task\.dynamics\.crippledLeg: expected .*int.*, got 1\.5/,
    );
  });

  it('ball-nav has no legs to cripple', async () => {
    const ball = {
      goal: { kind: 'position', position: [1, 1] },
      dynamics: { ...NOMINAL_DYNAMICS, crippledLeg: 0 },
    };
    await expect(makeEnv('ball-nav', { task: ball })).rejects.toThrow(/unknown: crippledLeg/);
  });
});

describe("the oracle's view of a crippled leg", () => {
  const base: LeggedTask = {
    goal: { kind: 'direction', direction: [1, 0] },
    dynamics: { ...NOMINAL_DYNAMICS },
    terrain: { kind: 'flat' },
  };

  it('tasks without the field keep their features; with it they gain a one-hot of the crippled leg', () => {
    const plain = taskFeatures(base);
    const healthy = taskFeatures({ ...base, dynamics: { ...base.dynamics, crippledLeg: null } });
    const third = taskFeatures({ ...base, dynamics: { ...base.dynamics, crippledLeg: 2 } });
    expect(healthy).toEqual([...plain, ...new Array(MAX_LEGS).fill(0)]);
    expect(third.slice(0, plain.length)).toEqual(plain);
    expect(third.slice(plain.length)).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it('an observing env appends them after the robot observation', async () => {
    const task = { ...base, dynamics: { ...base.dynamics, crippledLeg: 3 } };
    const env = await makeEnv('ant', { task, observeTask: true });
    const plain = await makeEnv('ant', { task: base, observeTask: true });
    const { obs } = env.reset({ seed: 1 });
    expect(obs.length).toBe(plain.observationSpace.shape[0]! + MAX_LEGS);
    expect(Array.from(obs.slice(-MAX_LEGS))).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    // Its size is fixed when built: a task with other features is refused, not cut or overrun.
    const n = taskFeatures(base).length;
    expect(() => plain.reset({ task })).toThrow(
      new RegExp(`^task: expected a task with ${n} oracle features, .* this one has ${n + MAX_LEGS}`),
    );
    env.close();
    plain.close();
  });
});
