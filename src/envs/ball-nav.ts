/**
 * ball-nav: a ball on a plane pushed by a 2D horizontal force towards a goal it cannot see (the MAML paper's 2D
 * navigation as physics). The ball's rotations are locked, so it slides: friction is a real drag the policy must
 * overcome, and mass and friction change how far a push carries it.
 *
 * Observation (4): ball x, z position (m), x, z velocity (m/s). The goal is not observed: it is the task.
 * Action (2): force along x and z, in [-1, 1] x `maxForce` x motorStrength (N).
 * Reward: goalDistance = -|p - goal| (m), ctrlCost = -ctrlCostWeight * |a|^2.
 * Episode: never terminates by itself (unless the ball leaves the plane); the time limit truncates it at 100 steps.
 */
import { z } from 'zod';
import { parseWith } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { SceneDescription, Vec3 } from './env.js';
import { RAPIER } from './rapier.js';
import { PHYSICS_DT, RapierEnv, type World } from './rapier-env.js';
import { box } from './spaces.js';
import {
  DEFAULT_DYNAMICS_RANGES,
  type DynamicsRanges,
  dynamicsSchema,
  makeTaskDistribution,
  NOMINAL_DYNAMICS,
  type Range,
  rangeSchema,
  resolveSplit,
  sampleDynamics,
  splitOptionFields,
} from './task.js';

export const ballNavTaskSchema = z
  .object({
    goal: z
      .object({
        kind: z.literal('position'),
        position: z.tuple([z.number().min(-10).max(10), z.number().min(-10).max(10)]),
      })
      .strict(),
    dynamics: dynamicsSchema,
  })
  .strict();

export type BallNavTask = z.infer<typeof ballNavTaskSchema>;

export interface BallNavOptions {
  /** Largest pushing force (N) at |action| = 1 and motorStrength 1. */
  maxForce: number;
  ctrlCostWeight: number;
  radius: number;
  /** Nominal mass (kg) before the task's massScale. */
  mass: number;
  /** Std of the uniform noise on the start position (m). */
  resetNoiseScale: number;
}

export const BALL_NAV_DEFAULTS: BallNavOptions = {
  maxForce: 30,
  ctrlCostWeight: 0.01,
  radius: 0.1,
  mass: 1,
  resetNoiseScale: 0.01,
};
const ARENA_HALF_SIZE = 10;

export function defaultBallNavTask(): BallNavTask {
  return { goal: { kind: 'position', position: [1, 1] }, dynamics: { ...NOMINAL_DYNAMICS } };
}

/** The ball's world and body; also what the bare-Rapier benchmark steps. */
export function buildBallWorld(task: BallNavTask, options: BallNavOptions, start: [number, number] = [0, 0]) {
  const { dynamics } = task;
  const world = new RAPIER.World({ x: 0, y: -9.81 * dynamics.gravityScale, z: 0 });
  world.timestep = PHYSICS_DT;
  world.createCollider(
    RAPIER.ColliderDesc.cuboid(ARENA_HALF_SIZE, 0.5, ARENA_HALF_SIZE)
      .setTranslation(0, -0.5, 0)
      .setFriction(dynamics.friction),
  );
  const ball = world.createRigidBody(
    RAPIER.RigidBodyDesc.dynamic().setTranslation(start[0], options.radius, start[1]).lockRotations(),
  );
  const volume = (4 / 3) * Math.PI * options.radius ** 3;
  world.createCollider(
    RAPIER.ColliderDesc.ball(options.radius)
      .setDensity((options.mass * dynamics.massScale) / volume)
      .setFriction(dynamics.friction),
    ball,
  );
  return { world, ball };
}

export class BallNavEnv extends RapierEnv<BallNavTask> {
  readonly id = 'ball-nav';
  readonly observationSpace = box(4, -Infinity, Infinity);
  readonly actionSpace = box(2, -1, 1);
  private readonly options: BallNavOptions;
  private ball: ReturnType<typeof buildBallWorld>['ball'] | null = null;
  private readonly force = { x: 0, y: 0, z: 0 };
  private readonly position = { x: 0, y: 0, z: 0 };

  constructor(task: BallNavTask = defaultBallNavTask(), options: Partial<BallNavOptions> = {}) {
    super(2, 4);
    this.options = { ...BALL_NAV_DEFAULTS, ...options };
    this.setTask(task);
  }

  protected validateTask(task: unknown): BallNavTask {
    return parseWith(ballNavTaskSchema, task, 'task');
  }

  protected build(task: BallNavTask, rng: Rng): World {
    const noise = this.options.resetNoiseScale;
    const built = buildBallWorld(task, this.options, [
      rng.uniform(-noise, noise),
      rng.uniform(-noise, noise),
    ]);
    this.ball = built.ball;
    return built.world;
  }

  protected applyAction(action: Float32Array): void {
    const scale = this.options.maxForce * this.task.dynamics.motorStrength;
    this.force.x = action[0]! * scale;
    this.force.z = action[1]! * scale;
    this.ball!.resetForces(false);
    this.ball!.addForce(this.force, true);
  }

  protected observe(out: Float32Array): void {
    const p = this.ball!.translation();
    const v = this.ball!.linvel();
    this.position.x = p.x;
    this.position.y = p.y;
    this.position.z = p.z;
    out[0] = p.x;
    out[1] = p.z;
    out[2] = v.x;
    out[3] = v.z;
  }

  // The base class observes first, then asks for bounds, reward and termination: they reuse `position`.
  protected rewardTerms(action: Float32Array): Record<string, number> {
    const [gx, gz] = this.task.goal.position;
    return {
      goalDistance: -Math.hypot(this.position.x - gx, this.position.z - gz),
      ctrlCost: -this.options.ctrlCostWeight * (action[0]! ** 2 + action[1]! ** 2),
    };
  }

  protected isTerminated(): boolean {
    return this.position.y < -1;
  }

  protected isOutOfBounds(): boolean {
    const p = this.position;
    return !(Math.abs(p.x) < 100 && Math.abs(p.z) < 100 && p.y < 100);
  }

  describeScene(): SceneDescription {
    const [gx, gz] = this.task.goal.position;
    const r = this.options.radius;
    return {
      env: this.id,
      up: 'y',
      bodies: [
        {
          name: 'ball',
          shapes: [
            { type: 'sphere', radius: r, offset: [0, 0, 0], rotation: [0, 0, 0, 1], color: '#e07a3f' },
          ],
        },
      ],
      statics: [
        {
          type: 'box',
          halfExtents: [ARENA_HALF_SIZE, 0.5, ARENA_HALF_SIZE],
          offset: [0, -0.5, 0],
          rotation: [0, 0, 0, 1],
          color: '#8d9a7b',
        },
      ],
      task: this.task,
      goal: { kind: 'position', position: [gx, 0, gz] as Vec3 },
    };
  }

  poses(): Float32Array {
    const out = new Float32Array(7);
    if (!this.ball) return out;
    const p = this.ball.translation();
    const q = this.ball.rotation();
    out.set([p.x, p.y, p.z, q.x, q.y, q.z, q.w]);
    return out;
  }
}

/** Options of the ball-nav task distribution, as they appear in a train config's `tasks` field. */
export const ballNavDistributionSchema = z
  .object({
    /** Goals are drawn uniformly in goalRange^2 (m). */
    goalRange: rangeSchema(-10, 10).optional(),
    massScale: rangeSchema(0.1, 10).optional(),
    friction: rangeSchema(0, 5).optional(),
    ...splitOptionFields,
  })
  .strict();

export function ballNavTaskDistribution(input: unknown = {}) {
  const options = parseWith(ballNavDistributionSchema, input ?? {}, 'tasks');
  const goalRange: Range = options.goalRange ?? [-2, 2];
  const ranges: DynamicsRanges = {
    ...DEFAULT_DYNAMICS_RANGES,
    massScale: options.massScale ?? DEFAULT_DYNAMICS_RANGES.massScale,
    friction: options.friction ?? DEFAULT_DYNAMICS_RANGES.friction,
    motorStrength: [1, 1],
    jointDamping: [1, 1],
    gravityScale: [1, 1],
  };
  return makeTaskDistribution<BallNavTask>(
    'ball-nav',
    (rng) => ({
      goal: { kind: 'position', position: [rng.uniform(...goalRange), rng.uniform(...goalRange)] },
      dynamics: sampleDynamics(rng, ranges),
    }),
    resolveSplit(options),
  );
}
