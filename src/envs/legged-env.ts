/**
 * A legged robot from a robot spec, on a terrain, chasing a goal. Cheetah and ant are this env with their spec.
 *
 * Observation: the spec's `observation` parts in order (rootHeight is above the terrain under the root, m;
 * quaternion x, y, z, w; joint positions rad, or m on slides; velocities m/s and rad/s; sensors: sensors.ts).
 * The goal is not observed: it is the task.
 * Reward terms (sum = reward), in the form of the env's reward preset (reward-presets.ts) with the spec's weights:
 *   forward      direction goal: velocity along the direction (m/s); velocity goal: -|velocity - target|;
 *                "maml": the root's velocity at the end of the step, "gymnasium": its displacement over the step / dt;
 *   goalDistance position goal: -|root xz - goal| (m);
 *   ctrlCost     -ctrlCostWeight * |a|^2;   healthy   healthyReward while healthy (spec.healthy);
 *   contactCost  contactCostWeight > 0: -w * sum over bodies of clip(contact wrench, -1, 1)^2;
 * the forward term is scaled by the spec's forwardRewardWeight (default 1).
 * `info.speed` is the step's speed along the commanded direction (position goal: towards the goal), m/s, from the
 * root's displacement: the number "walks" is measured by.
 * Episode: terminated when the root leaves the spec's healthy height range above the terrain, or on a physics
 * blow-up (info.reason = "physics_unstable"); truncated by the time limit.
 */
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { applyJointTorques, type BuiltRobot, buildRobot, describeBodies } from './build-robot.js';
import { contactCost } from './contact-wrench.js';
import type { SceneDescription, Vec3 } from './env.js';
import { jointPosition, jointVelocity } from './joint-state.js';
import { robotLegs } from './legs.js';
import { hingeAngle, normalize, rotate } from './math3d.js';
import { RapierEnv, type World } from './rapier-env.js';
import { DEFAULT_REWARD_PRESET, type RewardPreset, type RewardWeights } from './reward-presets.js';
import { actionRanges, movingJoints, observationSize, type RobotSpec, rewardWeights } from './robot-spec.js';
import { type SensorWriter, sensorWriter } from './sensors.js';
import { box } from './spaces.js';
import { leggedDynamicsSchema } from './task.js';
import { type Terrain, terrainHeightAt, terrainSchema, terrainShapes } from './terrain.js';

const direction2 = z
  .tuple([z.number(), z.number()])
  .refine(([x, zz]) => Math.abs(Math.hypot(x, zz) - 1) < 1e-3, 'a unit vector [x, z]');

export const goalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direction'), direction: direction2 }).strict(),
  z
    .object({
      kind: z.literal('velocity'),
      velocity: z.number().min(-5).max(5),
      direction: direction2.default([1, 0]),
    })
    .strict(),
  z
    .object({
      kind: z.literal('position'),
      position: z.tuple([z.number().min(-14).max(14), z.number().min(-14).max(14)]),
    })
    .strict(),
]);

export const leggedTaskSchema = z
  .object({ goal: goalSchema, dynamics: leggedDynamicsSchema, terrain: terrainSchema })
  .strict();
export type LeggedTask = z.infer<typeof leggedTaskSchema>;
export type Goal = z.infer<typeof goalSchema>;

export interface LeggedOptions {
  /** Reward preset: the form of the terms (reward-presets.ts); weights come from the spec. */
  reward: RewardPreset;
  /** Half-width of the uniform noise added to every body's initial velocity (m/s, rad/s). */
  resetNoiseScale: number;
}

const DEFAULTS: LeggedOptions = { reward: DEFAULT_REWARD_PRESET, resetNoiseScale: 0.1 };
// Beyond the ground's edge (terrain.ts TERRAIN_HALF_SIZE = 60 m) the simulation means nothing.
const BOUND = 100;
const STATE_STRIDE = 10;

export class LeggedEnv extends RapierEnv<LeggedTask> {
  readonly observationSpace;
  readonly actionSpace;
  private robot: BuiltRobot | null = null;
  private readonly options: LeggedOptions;
  private readonly weights: RewardWeights;
  private readonly axis = { x: 0, y: 0, z: 0 };
  /** Per body: position, quaternion (x, y, z, w), angular velocity, refreshed once per step. */
  private readonly state: Float64Array;
  private readonly quats: { x: number; y: number; z: number; w: number }[];
  private readonly jointBodies: { parent: number; child: number; axis: Vec3; slide: boolean }[];
  private readonly sensors: (SensorWriter | null)[];
  private lastAction: ArrayLike<number>;
  private readonly rootOffset: number;
  private rootHeight = 0;
  private prevX = 0;
  private prevZ = 0;

  constructor(
    readonly id: string,
    readonly spec: RobotSpec,
    task: LeggedTask,
    options: Partial<LeggedOptions> = {},
  ) {
    const obsDim = observationSize(spec);
    const ranges = actionRanges(spec);
    super(ranges.length, obsDim, spec.substeps, spec.torqueUpdate === 'substep');
    this.observationSpace = box(obsDim, -Infinity, Infinity);
    this.actionSpace = {
      shape: [ranges.length],
      low: Float32Array.from(ranges, (r) => r[0]),
      high: Float32Array.from(ranges, (r) => r[1]),
    };
    this.lastAction = new Float32Array(ranges.length);
    this.options = { ...DEFAULTS, ...options };
    this.weights = rewardWeights(spec, this.options.reward);
    const index = new Map(spec.bodies.map((b, i) => [b.name, i]));
    this.state = new Float64Array(spec.bodies.length * STATE_STRIDE);
    this.quats = spec.bodies.map(() => ({ x: 0, y: 0, z: 0, w: 1 }));
    this.jointBodies = movingJoints(spec).map((j) => ({
      parent: index.get(j.parent)!,
      child: index.get(j.child)!,
      axis: normalize(j.axis),
      slide: j.type === 'slide',
    }));
    this.sensors = spec.observation.map((part) =>
      typeof part === 'string' ? null : sensorWriter(spec, part),
    );
    this.rootOffset = index.get(spec.root)! * STATE_STRIDE;
    this.setTask(task);
  }

  protected validateTask(task: unknown): LeggedTask {
    const parsed = parseWith(leggedTaskSchema, task, 'task');
    if (this.spec.planar) this.checkPlanarGoal(parsed.goal);
    const names = this.spec.bodies.map((b) => b.name);
    for (const key of Object.keys(parsed.dynamics.bodyMassScale ?? {})) {
      if (!names.includes(key)) {
        throw new TerrariumError(
          `task.dynamics.bodyMassScale.${key}`,
          key,
          `a body of ${this.spec.name} (${names.join(', ')})`,
        );
      }
    }
    this.checkCrippledLeg(parsed.dynamics.crippledLeg);
    return parsed;
  }

  private checkCrippledLeg(leg: number | null | undefined): void {
    const legs = robotLegs(this.spec);
    if (leg === null || leg === undefined || leg < legs.length) return;
    const names = legs.map((joints, i) => `${i}: ${joints.join('+')}`).join(', ');
    throw new TerrariumError(
      'task.dynamics.crippledLeg',
      leg,
      `null or a leg of ${this.spec.name} (${names || 'it has no legs'})`,
    );
  }

  private checkPlanarGoal(goal: Goal): void {
    const [field, across] =
      goal.kind === 'position' ? ['position', goal.position[1]] : ['direction', goal.direction[1]];
    if (Math.abs(across) > 1e-6) {
      throw new TerrariumError(
        `task.goal.${field}[1]`,
        across,
        `0 for the planar ${this.id} (it moves along x only)`,
      );
    }
  }

  protected build(task: LeggedTask, rng: Rng): World {
    this.robot = buildRobot(this.spec, task.dynamics, task.terrain);
    this.lastAction = new Float32Array(this.actionSpace.shape[0]!);
    const noise = this.options.resetNoiseScale;
    const jitter = () => rng.uniform(-noise, noise);
    for (const body of this.robot.bodies) {
      if (this.spec.planar) {
        body.setLinvel({ x: jitter(), y: jitter(), z: 0 }, false);
        body.setAngvel({ x: 0, y: 0, z: jitter() }, false);
      } else {
        body.setLinvel({ x: jitter(), y: jitter(), z: jitter() }, false);
        body.setAngvel({ x: jitter(), y: jitter(), z: jitter() }, false);
      }
    }
    return this.robot.world;
  }

  protected override beforeStep(): void {
    const p = this.robot!.root.translation();
    this.prevX = p.x;
    this.prevZ = p.z;
  }

  protected applyAction(action: Float32Array): void {
    this.lastAction = action;
    applyJointTorques(this.robot!, action);
  }

  /** Reads every body's position, orientation and angular velocity once per step (Rapier calls are not free). */
  private readState(): void {
    const bodies = this.robot!.bodies;
    const st = this.state;
    for (let b = 0; b < bodies.length; b++) {
      const body = bodies[b]!;
      const p = body.translation();
      const q = body.rotation();
      const w = body.angvel();
      const o = b * STATE_STRIDE;
      st[o] = p.x;
      st[o + 1] = p.y;
      st[o + 2] = p.z;
      st[o + 3] = q.x;
      st[o + 4] = q.y;
      st[o + 5] = q.z;
      st[o + 6] = q.w;
      st[o + 7] = w.x;
      st[o + 8] = w.y;
      st[o + 9] = w.z;
    }
    this.rootHeight =
      st[this.rootOffset + 1]! -
      terrainHeightAt(this.task.terrain, st[this.rootOffset]!, st[this.rootOffset + 2]!);
  }

  private quat(body: number) {
    const o = body * STATE_STRIDE;
    const q = this.quats[body]!;
    q.x = this.state[o + 3]!;
    q.y = this.state[o + 4]!;
    q.z = this.state[o + 5]!;
    q.w = this.state[o + 6]!;
    return q;
  }

  protected observe(out: Float32Array): void {
    this.readState();
    const robot = this.robot!;
    const st = this.state;
    const r = this.rootOffset;
    let k = 0;
    for (let p = 0; p < this.spec.observation.length; p++) {
      const part = this.spec.observation[p]!;
      if (typeof part !== 'string') {
        k = this.sensors[p]!(robot, this.lastAction, out, k);
        continue;
      }
      switch (part) {
        case 'rootHeight':
          out[k++] = this.rootHeight;
          break;
        case 'rootQuaternion':
          for (let i = 3; i < 7; i++) out[k++] = st[r + i]!;
          break;
        case 'rootPitch':
          out[k++] = 2 * Math.atan2(st[r + 5]!, st[r + 6]!);
          break;
        case 'jointPositions':
          this.jointBodies.forEach((j, i) => {
            out[k++] = j.slide
              ? jointPosition(robot.joints[i]!)
              : hingeAngle(this.quat(j.parent), this.quat(j.child), j.axis);
          });
          break;
        case 'rootLinvel':
        case 'rootLinvelPlanar': {
          const v = robot.root.linvel();
          out[k++] = v.x;
          out[k++] = v.y;
          if (part === 'rootLinvel') out[k++] = v.z;
          break;
        }
        case 'rootAngvel':
          for (let i = 7; i < 10; i++) out[k++] = st[r + i]!;
          break;
        case 'rootAngvelPitch':
          out[k++] = st[r + 9]!;
          break;
        case 'jointVelocities':
          for (let i = 0; i < this.jointBodies.length; i++) {
            const j = this.jointBodies[i]!;
            if (j.slide) {
              out[k++] = jointVelocity(robot.joints[i]!);
              continue;
            }
            const c = j.child * STATE_STRIDE;
            const p = j.parent * STATE_STRIDE;
            rotate(this.quat(j.parent), j.axis, this.axis);
            out[k++] =
              (st[c + 7]! - st[p + 7]!) * this.axis.x +
              (st[c + 8]! - st[p + 8]!) * this.axis.y +
              (st[c + 9]! - st[p + 9]!) * this.axis.z;
          }
          break;
      }
    }
  }

  protected rewardTerms(action: Float32Array): Record<string, number> {
    const r = this.rootOffset;
    const p = { x: this.state[r]!, z: this.state[r + 2]! };
    const goal = this.task.goal;
    const w = this.weights;
    let ctrl = 0;
    for (let i = 0; i < action.length; i++) ctrl += action[i]! * action[i]!;
    const terms: Record<string, number> = {};
    if (goal.kind === 'position') {
      terms.goalDistance = -Math.hypot(p.x - goal.position[0], p.z - goal.position[1]);
    } else {
      let v: number;
      if (this.options.reward === 'maml') {
        const lin = this.robot!.root.linvel();
        v = lin.x * goal.direction[0] + lin.z * goal.direction[1];
      } else {
        v = this.displacementSpeed(goal.direction);
      }
      const forward = goal.kind === 'direction' ? v : -Math.abs(v - goal.velocity);
      terms.forward = w.forwardRewardWeight * forward;
    }
    terms.ctrlCost = -w.ctrlCostWeight * ctrl;
    if (w.healthyReward > 0) terms.healthy = this.isHealthy() ? w.healthyReward : 0;
    if (w.contactCostWeight > 0) terms.contactCost = -w.contactCostWeight * contactCost(this.robot!);
    return terms;
  }

  /** Speed (m/s) along the commanded direction over the last step; position goal: the rate of closing in. */
  protected override stepInfo(): Record<string, unknown> {
    const goal = this.task.goal;
    if (goal.kind !== 'position') return { speed: this.displacementSpeed(goal.direction) };
    const r = this.rootOffset;
    const [gx, gz] = goal.position;
    const now = Math.hypot(this.state[r]! - gx, this.state[r + 2]! - gz);
    return { speed: (Math.hypot(this.prevX - gx, this.prevZ - gz) - now) / this.dt };
  }

  /** The root's displacement over the last step along unit vector `direction` (x, z), divided by dt. */
  private displacementSpeed(direction: readonly [number, number]): number {
    const r = this.rootOffset;
    const dx = this.state[r]! - this.prevX;
    const dz = this.state[r + 2]! - this.prevZ;
    return (dx * direction[0] + dz * direction[1]) / this.dt;
  }

  /** The reward preset this env computes. */
  get rewardPreset(): RewardPreset {
    return this.options.reward;
  }

  private isHealthy(): boolean {
    const healthy = this.spec.healthy;
    return !healthy || (this.rootHeight >= healthy.minHeight && this.rootHeight <= healthy.maxHeight);
  }

  protected isTerminated(): boolean {
    return !this.isHealthy();
  }

  protected isOutOfBounds(): boolean {
    const st = this.state;
    for (let o = 0; o < st.length; o += STATE_STRIDE) {
      if (
        !(Math.abs(st[o]!) < BOUND && Math.abs(st[o + 2]!) < BOUND && st[o + 1]! > -10 && st[o + 1]! < BOUND)
      )
        return true;
    }
    return false;
  }

  describeScene(): SceneDescription {
    const goal = this.task.goal;
    const dir: Vec3 = goal.kind === 'position' ? [0, 0, 0] : [goal.direction[0], 0, goal.direction[1]];
    return {
      env: this.id,
      up: 'y',
      bodies: describeBodies(this.spec),
      statics: terrainShapes(this.task.terrain),
      task: this.task,
      goal:
        goal.kind === 'position'
          ? {
              kind: 'position',
              position: [
                goal.position[0],
                terrainHeightAt(this.task.terrain, ...goal.position),
                goal.position[1],
              ],
            }
          : goal.kind === 'direction'
            ? { kind: 'direction', direction: dir }
            : { kind: 'velocity', velocity: goal.velocity, direction: dir },
    };
  }

  poses(): Float32Array {
    const bodies = this.robot?.bodies ?? [];
    const out = new Float32Array(this.spec.bodies.length * 7);
    bodies.forEach((body, i) => {
      const p = body.translation();
      const q = body.rotation();
      out.set([p.x, p.y, p.z, q.x, q.y, q.z, q.w], i * 7);
    });
    return out;
  }

  /** The terrain of the current task (for viewers and tests). */
  get terrain(): Terrain {
    return this.task.terrain;
  }
}
