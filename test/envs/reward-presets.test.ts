import { describe, expect, it } from 'vitest';
import { runEpisode } from '../../src/cli/rollout-command.js';
import type { Rng } from '../../src/core/rng.js';
import { defaultAntTask } from '../../src/envs/ant.js';
import type { Env } from '../../src/envs/env.js';
import { LeggedEnv, type LeggedTask } from '../../src/envs/legged-env.js';
import { initRapier } from '../../src/envs/rapier.js';
import type { World } from '../../src/envs/rapier-env.js';
import { makeEnv } from '../../src/envs/registry.js';
import { REWARD_PRESETS } from '../../src/envs/reward-presets.js';
import { shippedRobot } from '../../src/envs/robot-spec.js';
import { NOMINAL_DYNAMICS } from '../../src/envs/task.js';
import { randomActions } from './helpers.js';

await initRapier();

// Observation offsets of the root's linear velocity (robots/*.json observation layouts).
const ANT_VX = 1 + 4 + 8; // rootHeight, rootQuaternion, 8 joint angles
const CHEETAH_VX = 1 + 1 + 6; // rootHeight, rootPitch, 6 joint angles

const sumSquares = (a: Float32Array) => a.reduce((s, x) => s + x * x, 0);

function task(goal: LeggedTask['goal']): LeggedTask {
  return { goal, dynamics: { ...NOMINAL_DYNAMICS }, terrain: { kind: 'flat' } };
}

describe('reward presets', () => {
  it.each(REWARD_PRESETS)(
    '%s: the ant direction reward is each term computed by hand from the step',
    async (preset) => {
      const direction: [number, number] = [Math.cos(0.4), Math.sin(0.4)];
      const env = await makeEnv('ant', { task: task({ kind: 'direction', direction }), reward: preset });
      const w = preset === 'maml' ? shippedRobot('ant').reward.maml! : shippedRobot('ant').reward;
      const act = randomActions(env, 3);
      env.reset({ seed: 4 });
      let contactSteps = 0;
      for (let t = 0; t < 40; t++) {
        const a = act();
        const { obs, reward, info, terminated } = env.step(a);
        const terms = info.rewardTerms;
        expect(reward).toBeCloseTo(
          Object.values(terms).reduce((s, x) => s + x, 0),
          10,
        );
        expect(terms.ctrlCost).toBeCloseTo(-w.ctrlCostWeight * sumSquares(a), 6);
        expect(terms.healthy).toBe(terminated ? 0 : w.healthyReward);
        // maml: rllab's torso velocity at the end of the step; gymnasium: the displacement over the step / dt.
        const velocity = obs[ANT_VX]! * direction[0] + obs[ANT_VX + 2]! * direction[1];
        expect(terms.forward).toBeCloseTo(preset === 'maml' ? velocity : (info.speed as number), 5);
        if (preset === 'maml') {
          // 9 bodies x 6 wrench components, each clipped to [-1, 1] and squared.
          expect(terms.contactCost).toBeLessThanOrEqual(0);
          expect(terms.contactCost).toBeGreaterThanOrEqual(-w.contactCostWeight * 9 * 6);
          if (terms.contactCost! < 0) contactSteps++;
        } else expect(terms.contactCost).toBeUndefined();
      }
      if (preset === 'maml') expect(contactSteps).toBeGreaterThan(30); // the feet are on the ground
      env.close();
    },
  );

  it('the control cost is negative and quadratic in the action, with the preset weights', async () => {
    const cost = async (preset: 'maml' | 'gymnasium', scale: number) => {
      const env = await makeEnv('cheetah', { reward: preset });
      env.reset({ seed: 0 });
      const { info } = env.step(new Float32Array(6).fill(0.5 * scale));
      env.close();
      return info.rewardTerms.ctrlCost!;
    };
    for (const preset of REWARD_PRESETS) {
      expect(await cost(preset, 1)).toBeLessThan(0);
      expect(await cost(preset, 2)).toBeCloseTo(4 * (await cost(preset, 1)), 8);
    }
    // MAML's half-cheetah: 0.5 * 0.1 |a|^2; Gymnasium's: 0.1 |a|^2.
    expect(await cost('maml', 1)).toBeCloseTo(-0.05 * 6 * 0.25, 8);
    expect(await cost('gymnasium', 1)).toBeCloseTo(-0.1 * 6 * 0.25, 8);
  });

  it.each(REWARD_PRESETS)('%s: the velocity term is -|v - target|, zero at the target', async (preset) => {
    const env = await makeEnv('cheetah', {
      task: task({ kind: 'velocity', velocity: 1.2, direction: [1, 0] }),
      reward: preset,
    });
    const act = randomActions(env, 9);
    env.reset({ seed: 2 });
    for (let t = 0; t < 30; t++) {
      const { obs, info } = env.step(act());
      const v = preset === 'maml' ? obs[CHEETAH_VX]! : (info.speed as number);
      expect(info.rewardTerms.forward).toBeCloseTo(-Math.abs(v - 1.2), 5);
    }
    env.setTask(task({ kind: 'velocity', velocity: 0, direction: [1, 0] }));
    env.reset({ seed: 2 });
    // A cheetah at rest (zero action, settled) is at target 0: the velocity term is ~0, not a penalty.
    let last = 0;
    for (let t = 0; t < 60; t++) last = env.step(new Float32Array(6)).info.rewardTerms.forward!;
    expect(last).toBeLessThanOrEqual(0);
    expect(last).toBeGreaterThan(-0.01);
    env.close();
  });

  it('the ant standing still scores the survive reward under maml, far below a walking robot', async () => {
    const env = await makeEnv('ant', { reward: 'maml' });
    const summary = runEpisode(env, () => new Float32Array(8), 0);
    env.close();
    expect(summary.steps).toBe(200);
    expect(summary.return).toBeLessThan(0.05 * 200 + 2); // survive + the start's jitter, minus contact cost
    expect(Math.abs(summary.meanSpeed!)).toBeLessThan(0.05);
  });

  it('ball-nav refuses a reward preset instead of ignoring it', async () => {
    await expect(makeEnv('ball-nav', { reward: 'maml' })).rejects.toThrow(/reward.*legged/);
  });
});

/** An ant that drifts in zero gravity at a set velocity, well above the ground: a scripted motion. */
class DriftingAnt extends LeggedEnv {
  constructor(
    goal: LeggedTask['goal'],
    private readonly velocity: { x: number; z: number },
    /** On the ground: gravity on, no friction (it slides), the shipped healthy range (else it floats 3 m up). */
    onGround = false,
  ) {
    const base = shippedRobot('ant');
    const spec = onGround ? base : { ...base, spawnClearance: 3, healthy: undefined };
    super('ant', spec, {
      ...defaultAntTask(),
      goal,
      dynamics: { ...NOMINAL_DYNAMICS, gravityScale: onGround ? 1 : 0, friction: onGround ? 0 : 1 },
    });
  }

  protected override build(task: LeggedTask, rng: Rng): World {
    const world = super.build(task, rng);
    world.forEachRigidBody((body) => {
      body.setLinvel({ x: this.velocity.x, y: 0, z: this.velocity.z }, true);
      body.setAngvel({ x: 0, y: 0, z: 0 }, true);
    });
    return world;
  }
}

describe('meanSpeed', () => {
  const zero = () => new Float32Array(8);
  const drift = (env: Env<unknown>) => runEpisode(env, zero, 0, 100).meanSpeed!;

  it('is the speed along the commanded direction of a body moving at a set velocity', () => {
    const along = new DriftingAnt({ kind: 'direction', direction: [1, 0] }, { x: 2, z: 0 });
    expect(drift(along)).toBeCloseTo(2, 2);
    const diagonal = new DriftingAnt({ kind: 'direction', direction: [0.6, 0.8] }, { x: 2, z: 0 });
    expect(drift(diagonal)).toBeCloseTo(1.2, 2);
    const backwards = new DriftingAnt({ kind: 'direction', direction: [-1, 0] }, { x: 1.5, z: 0 });
    expect(drift(backwards)).toBeCloseTo(-1.5, 2);
    for (const env of [along, diagonal, backwards]) env.close();
  });

  it('a body sliding at 5 m/s for the longest horizon (10 s, 50 m) stays on the ground: no fall, no blow-up', () => {
    for (const direction of [
      [1, 0],
      [-0.6, 0.8],
    ] as [number, number][]) {
      const env = new DriftingAnt(
        { kind: 'direction', direction },
        { x: 5 * direction[0], z: 5 * direction[1] },
        true,
      );
      const summary = runEpisode(env, zero, 0, 200);
      env.close();
      expect(summary.steps).toBe(200);
      expect(summary.terminated).toBe(false); // the torso stayed 0.2 to 1 m above the ground, no physics_unstable
      expect(summary.meanSpeed).toBeGreaterThan(4.5);
    }
  });

  it('is the rate of closing in on a position goal', () => {
    // Straight at a goal 10 m ahead at 1 m/s: 5 m covered in 100 steps, always closing at 1 m/s.
    const toward = new DriftingAnt({ kind: 'position', position: [10, 0] }, { x: 1, z: 0 });
    expect(drift(toward)).toBeCloseTo(1, 2);
    const away = new DriftingAnt({ kind: 'position', position: [-10, 0] }, { x: 1, z: 0 });
    expect(drift(away)).toBeCloseTo(-1, 2);
    toward.close();
    away.close();
  });
});
