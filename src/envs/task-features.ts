import type { BallNavTask } from './ball-nav.js';
import type { Env, ResetOptions, ResetResult, SceneDescription, StepResult } from './env.js';
import type { LeggedTask } from './legged-env.js';
import { type Box, box, boxSize } from './spaces.js';
import { TERRAIN_KINDS } from './terrain.js';

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
export class TaskObservation<Task> implements Env<Task> {
  readonly observationSpace: Box;
  private features: Float32Array;

  constructor(readonly inner: Env<Task>) {
    this.features = Float32Array.from(taskFeatures(inner.task));
    this.observationSpace = box(boxSize(inner.observationSpace) + this.features.length, -Infinity, Infinity);
  }

  get id() {
    return this.inner.id;
  }
  get actionSpace() {
    return this.inner.actionSpace;
  }
  get dt() {
    return this.inner.dt;
  }
  get maxEpisodeSteps() {
    return this.inner.maxEpisodeSteps;
  }
  get task() {
    return this.inner.task;
  }

  private extend(obs: Float32Array): Float32Array {
    const out = new Float32Array(obs.length + this.features.length);
    out.set(obs);
    out.set(this.features, obs.length);
    return out;
  }

  reset(options?: ResetOptions<Task>): ResetResult {
    const result = this.inner.reset(options);
    this.features = Float32Array.from(taskFeatures(this.inner.task));
    return { ...result, obs: this.extend(result.obs) };
  }

  step(action: ArrayLike<number>): StepResult {
    const result = this.inner.step(action);
    return { ...result, obs: this.extend(result.obs) };
  }

  setTask(task: Task): void {
    this.inner.setTask(task);
  }
  describeScene(): SceneDescription {
    return this.inner.describeScene();
  }
  poses(): Float32Array {
    return this.inner.poses();
  }
  close(): void {
    this.inner.close();
  }
}
