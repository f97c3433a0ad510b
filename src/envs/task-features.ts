import { TerrariumError } from '../core/errors.js';
import { AppendedObservation } from './appended-observation.js';
import type { BallNavTask } from './ball-nav.js';
import type { Env } from './env.js';
import type { LeggedTask } from './legged-env.js';
import { MAX_LEGS } from './task.js';
import { TERRAIN_KINDS } from './terrain.js';

/**
 * The task as numbers, for oracle policies that are told the task instead of inferring it. A legged task with a
 * `dynamics.crippledLeg` field (null included) adds a MAX_LEGS-long one-hot of the crippled leg (all 0 for null);
 * tasks without the field keep the features they always had.
 */
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
  const features = [...goalFeatures, ...dynamics, ...kind, ...params];
  if (d.crippledLeg === undefined) return features;
  return [...features, ...Array.from({ length: MAX_LEGS }, (_, leg) => (leg === d.crippledLeg ? 1 : 0))];
}

/** Appends `taskFeatures(task)` to every observation (the oracle baseline's view of the world). */
export class TaskObservation<Task> extends AppendedObservation<Task> {
  private features: Float32Array;

  constructor(inner: Env<Task>) {
    const features = Float32Array.from(taskFeatures(inner.task));
    super(inner, features.length);
    this.features = features;
  }

  protected override onReset(): void {
    const features = Float32Array.from(taskFeatures(this.inner.task));
    // The observation size is fixed when the env is built: build it with a task of the run (makeEnv({ task })).
    if (features.length !== this.appendedDim) {
      throw new TerrariumError(
        'task',
        this.inner.task,
        `a task with ${this.appendedDim} oracle features, as the env was built with (tasks of one run either all ` +
          `have dynamics.crippledLeg or none do); this one has ${features.length}`,
      );
    }
    this.features = features;
  }

  protected appended(): Float32Array {
    return this.features;
  }
}
