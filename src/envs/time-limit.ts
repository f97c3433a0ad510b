import { TerrariumError } from '../core/errors.js';
import type { Env, ResetOptions, ResetResult, SceneDescription, StepResult } from './env.js';

/** Truncates episodes after `maxEpisodeSteps` steps (Gymnasium's TimeLimit wrapper). */
export class TimeLimit<Task> implements Env<Task> {
  private elapsed = 0;
  private truncatedEpisode = false;

  constructor(
    readonly inner: Env<Task>,
    readonly maxEpisodeSteps: number,
  ) {
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new TerrariumError('maxEpisodeSteps', maxEpisodeSteps, 'an integer >= 1');
    }
  }

  get id() {
    return this.inner.id;
  }
  get observationSpace() {
    return this.inner.observationSpace;
  }
  get actionSpace() {
    return this.inner.actionSpace;
  }
  get dt() {
    return this.inner.dt;
  }
  get task() {
    return this.inner.task;
  }

  reset(options?: ResetOptions<Task>): ResetResult {
    this.elapsed = 0;
    this.truncatedEpisode = false;
    return this.inner.reset(options);
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.truncatedEpisode) {
      throw new TerrariumError(
        'step',
        'an ended episode',
        'reset() before step()',
        `env ${this.id} hit its time limit`,
      );
    }
    const result = this.inner.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps && !result.terminated) {
      result.truncated = true;
      this.truncatedEpisode = true;
    }
    return result;
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
