import type { BallNavTask } from './ball-nav.js';
import type { Env, ResetOptions, ResetResult, StepResult } from './env.js';
import type { LeggedTask } from './legged-env.js';
import { type Box, box, boxSize } from './spaces.js';
import { TERRAIN_KINDS } from './terrain.js';
import { EnvWrapper } from './wrapper.js';

/** The task as numbers, for oracle policies that are told the task instead of inferring it. */
export function taskFeatures(task: unknown): number[] {
  const t = task as Partial<LeggedTask> & Partial<BallNavTask>;
  const d = t.dynamics!;
  const dynamics = [d.massScale, d.friction, d.motorStrength, d.jointDamping, d.gravityScale];
  if (!('terrain' in t)) return [...(t as BallNavTask).goal.position, ...dynamics];
  const goal = (t as LeggedTask).goal;
  const goalFeatures =
    goal.kind === 'position'
      ? [1, 0, 0, goal.position[0], goal.position[1], 0]
      : goal.kind === 'direction'
        ? [0, 1, 0, goal.direction[0], goal.direction[1], 0]
        : [0, 0, 1, goal.direction[0], goal.direction[1], goal.velocity];
  const terrain = (t as LeggedTask).terrain;
  const kind = TERRAIN_KINDS.map((k) => (k === terrain.kind ? 1 : 0));
  const params =
    terrain.kind === 'slope'
      ? [terrain.angle, 0]
      : terrain.kind === 'stairs'
        ? [terrain.stepHeight, terrain.stepWidth]
        : terrain.kind === 'rough'
          ? [terrain.amplitude, terrain.scale]
          : [0, 0];
  return [...goalFeatures, ...dynamics, ...kind, ...params];
}

/** Appends `taskFeatures(task)` to every observation (the oracle baseline's view of the world). */
export class TaskObservation<Task> extends EnvWrapper<Task> {
  private readonly space: Box;
  private features: Float32Array;

  constructor(inner: Env<Task>) {
    super(inner);
    this.features = Float32Array.from(taskFeatures(inner.task));
    this.space = box(boxSize(inner.observationSpace) + this.features.length, -Infinity, Infinity);
  }

  override get observationSpace(): Box {
    return this.space;
  }

  private extend(obs: Float32Array): Float32Array {
    const out = new Float32Array(obs.length + this.features.length);
    out.set(obs);
    out.set(this.features, obs.length);
    return out;
  }

  override reset(options?: ResetOptions<Task>): ResetResult {
    const result = this.inner.reset(options);
    this.features = Float32Array.from(taskFeatures(this.inner.task));
    return { ...result, obs: this.extend(result.obs) };
  }

  override step(action: ArrayLike<number>): StepResult {
    const result = this.inner.step(action);
    return { ...result, obs: this.extend(result.obs) };
  }
}
