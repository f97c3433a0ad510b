import { describe, expect, it } from 'vitest';
import type { Rng } from '../../src/core/rng.js';
import { BALL_NAV_DEFAULTS, BallNavEnv, type BallNavTask } from '../../src/envs/ball-nav.js';
import { type Goal, LeggedEnv } from '../../src/envs/legged-env.js';
import { initRapier } from '../../src/envs/rapier.js';
import type { World } from '../../src/envs/rapier-env.js';
import { REWARD_PRESETS, type RewardPreset } from '../../src/envs/reward-presets.js';
import { rewardWeights, shippedRobot } from '../../src/envs/robot-spec.js';
import { NOMINAL_DYNAMICS } from '../../src/envs/task.js';
import { randomActions } from './helpers.js';

// Legged presets' cheetah velocity term and ant direction terms are in reward-presets.test.ts; this file covers
// ball-nav, the position goal, and each legged term at a point where its value is known without the physics.
await initRapier();

const sumSquares = (a: Float32Array) => a.reduce((s, x) => s + x * x, 0);

function ballNav(goal: [number, number], resetNoiseScale = BALL_NAV_DEFAULTS.resetNoiseScale) {
  const task: BallNavTask = { goal: { kind: 'position', position: goal }, dynamics: { ...NOMINAL_DYNAMICS } };
  return new BallNavEnv(task, { resetNoiseScale });
}

describe('ball-nav reward terms', () => {
  it('goalDistance is -|p - goal| at the end of each step, ctrlCost -0.01 |a|^2', () => {
    const env = ballNav([1.5, -0.7]);
    const act = randomActions(env, 5);
    env.reset({ seed: 3 });
    for (let t = 0; t < 40; t++) {
      const a = act();
      const { obs, info } = env.step(a);
      const terms = info.rewardTerms;
      expect(Object.keys(terms).sort()).toEqual(['ctrlCost', 'goalDistance']);
      expect(terms.goalDistance).toBeCloseTo(-Math.hypot(obs[0]! - 1.5, obs[1]! + 0.7), 5);
      expect(terms.ctrlCost).toBeCloseTo(-0.01 * sumSquares(a), 8);
    }
    env.close();
  });

  it('a ball at rest 3-4-5 from its goal scores -5; on its goal, 0', () => {
    const away = ballNav([3, -4], 0);
    away.reset({ seed: 0 });
    expect(away.step(new Float32Array(2)).info.rewardTerms).toEqual({ goalDistance: -5, ctrlCost: -0 });
    away.close();
    const on = ballNav([0, 0], 0);
    on.reset({ seed: 0 });
    const { reward, info } = on.step(new Float32Array(2));
    expect(info.rewardTerms.goalDistance).toBeCloseTo(0, 8);
    expect(reward).toBeCloseTo(0, 8);
    on.close();
  });

  it('the control cost is negative and quadratic: twice the action, four times the cost', () => {
    const cost = (a: number[]) => {
      const env = ballNav([1, 1]);
      env.reset({ seed: 0 });
      const c = env.step(Float32Array.from(a)).info.rewardTerms.ctrlCost!;
      env.close();
      return c;
    };
    expect(cost([0.3, -0.4])).toBeCloseTo(-0.01 * 0.25, 8);
    expect(cost([0.6, -0.8])).toBeCloseTo(4 * cost([0.3, -0.4]), 8);
    expect(cost([-0.3, 0.4])).toBe(cost([0.3, -0.4]));
  });
});

/**
 * A legged robot 3 m above the ground in zero gravity, every body moving at a set velocity: no contact, no relative
 * motion, so its root moves at exactly that velocity and is out of the healthy height range.
 */
class FloatingRobot extends LeggedEnv {
  constructor(
    robot: 'ant' | 'cheetah',
    goal: Goal,
    reward: RewardPreset,
    private readonly velocity: { x: number; z: number },
  ) {
    super(
      robot,
      { ...shippedRobot(robot), spawnClearance: 3 },
      { goal, dynamics: { ...NOMINAL_DYNAMICS, gravityScale: 0 }, terrain: { kind: 'flat' } },
      { reward, resetNoiseScale: 0 },
    );
  }

  protected override build(task: Parameters<LeggedEnv['build']>[0], rng: Rng): World {
    const world = super.build(task, rng);
    world.forEachRigidBody((body) => {
      body.setLinvel({ x: this.velocity.x, y: 0, z: this.velocity.z }, true);
      body.setAngvel({ x: 0, y: 0, z: 0 }, true);
    });
    return world;
  }
}

describe.each(REWARD_PRESETS)('%s legged reward terms at known points', (preset) => {
  const step = (env: LeggedEnv, action?: Float32Array) => {
    env.reset({ seed: 0 });
    const result = env.step(action ?? new Float32Array(env.actionSpace.shape[0]!));
    env.close();
    return result;
  };

  it('ant moving at (1.5, 0.5) m/s: forward is v . d; healthy 0 out of range; no contact, no contact cost', () => {
    const d: [number, number] = [0.6, -0.8];
    const { terminated, info } = step(
      new FloatingRobot('ant', { kind: 'direction', direction: d }, preset, { x: 1.5, z: 0.5 }),
    );
    const terms = info.rewardTerms;
    expect(terms.forward).toBeCloseTo(1.5 * 0.6 - 0.5 * 0.8, 3);
    expect(terminated).toBe(true);
    expect(terms.healthy).toBe(0);
    expect(terms.ctrlCost).toBe(-0);
    if (preset === 'maml') expect(terms.contactCost).toBe(-0);
    else expect(terms.contactCost).toBeUndefined();
  });

  it('cheetah-vel: -|v - target| is zero at the target and -2v at target -v, whichever way it runs', () => {
    for (const v of [1.2, -0.8]) {
      const forward = (target: number) =>
        step(
          new FloatingRobot('cheetah', { kind: 'velocity', velocity: target, direction: [1, 0] }, preset, {
            x: v,
            z: 0,
          }),
        ).info.rewardTerms.forward!;
      expect(forward(v)).toBeCloseTo(0, 3);
      expect(forward(v)).toBeLessThanOrEqual(0);
      expect(forward(-v)).toBeCloseTo(-2 * Math.abs(v), 3);
      expect(forward(v + 0.5)).toBeCloseTo(-0.5, 3);
    }
  });

  it('cheetah running backwards along direction -x: forward is its speed, positive', () => {
    const { info } = step(
      new FloatingRobot('cheetah', { kind: 'direction', direction: [-1, 0] }, preset, { x: -2, z: 0 }),
    );
    expect(info.rewardTerms.forward).toBeCloseTo(2, 3);
    expect(info.rewardTerms.healthy).toBeUndefined(); // the cheetah has no survive reward
  });

  it('position goal: goalDistance is -|root xz - goal|, and no forward term', () => {
    const env = new FloatingRobot('ant', { kind: 'position', position: [3, 4] }, preset, { x: 1, z: 0 });
    env.reset({ seed: 0 });
    const { info } = env.step(new Float32Array(8));
    const root = env.poses();
    expect(info.rewardTerms.goalDistance).toBeCloseTo(-Math.hypot(root[0]! - 3, root[2]! - 4), 6);
    expect(info.rewardTerms.goalDistance).toBeCloseTo(-5, 1);
    expect(info.rewardTerms.forward).toBeUndefined();
    env.close();
  });

  it.each(['ant', 'cheetah'] as const)('%s: ctrlCost is -w |a|^2 with the preset weight', (robot) => {
    const w = rewardWeights(shippedRobot(robot), preset).ctrlCostWeight;
    const n = shippedRobot(robot).joints.length;
    const a = Float32Array.from({ length: n }, (_, i) => (i % 2 ? -0.5 : 0.25));
    const env = new FloatingRobot(robot, { kind: 'direction', direction: [1, 0] }, preset, { x: 0, z: 0 });
    expect(step(env, a).info.rewardTerms.ctrlCost).toBeCloseTo(-w * sumSquares(a), 8);
    expect(w).toBeGreaterThan(0);
  });
});
