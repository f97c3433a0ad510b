import type { Env, ResetOptions, ResetResult, SceneDescription, StepResult } from './env.js';
import type { Box } from './spaces.js';

/** Forwards every part of the Env contract to `inner`; wrappers override what they change (Gymnasium's Wrapper). */
export class EnvWrapper<Task> implements Env<Task> {
  constructor(readonly inner: Env<Task>) {}

  get id(): string {
    return this.inner.id;
  }
  get observationSpace(): Box {
    return this.inner.observationSpace;
  }
  get actionSpace(): Box {
    return this.inner.actionSpace;
  }
  get maxEpisodeSteps(): number {
    return this.inner.maxEpisodeSteps;
  }
  get dt(): number {
    return this.inner.dt;
  }
  get task(): Task {
    return this.inner.task;
  }
  reset(options?: ResetOptions<Task>): ResetResult {
    return this.inner.reset(options);
  }
  step(action: ArrayLike<number>): StepResult {
    return this.inner.step(action);
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
