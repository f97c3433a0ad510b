import { TerrariumError } from '../core/errors.js';
import type { Env, ResetOptions, ResetResult, StepResult } from './env.js';
import { EnvWrapper } from './wrapper.js';

/** Truncates episodes after `maxEpisodeSteps` steps (Gymnasium's TimeLimit wrapper). */
export class TimeLimit<Task> extends EnvWrapper<Task> {
  private elapsed = 0;
  private truncatedEpisode = false;

  constructor(
    inner: Env<Task>,
    private readonly limit: number,
  ) {
    super(inner);
    if (!Number.isInteger(limit) || limit < 1)
      throw new TerrariumError('maxEpisodeSteps', limit, 'an integer >= 1');
  }

  override get maxEpisodeSteps(): number {
    return this.limit;
  }

  override reset(options?: ResetOptions<Task>): ResetResult {
    this.elapsed = 0;
    this.truncatedEpisode = false;
    return this.inner.reset(options);
  }

  override step(action: ArrayLike<number>): StepResult {
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
    if (this.elapsed >= this.limit && !result.terminated) {
      result.truncated = true;
      this.truncatedEpisode = true;
    }
    return result;
  }
}
