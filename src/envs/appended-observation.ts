import type { Env, ResetOptions, ResetResult, StepResult } from './env.js';
import { type Box, box, boxSize } from './spaces.js';
import { EnvWrapper } from './wrapper.js';

/**
 * Appends `appendedDim` numbers to every observation (an observation wrapper, as in Gymnasium); subclasses say which
 * numbers. The task's features (the oracle) and an agent-set context both enter the policy this way.
 */
export abstract class AppendedObservation<Task> extends EnvWrapper<Task> {
  private readonly space: Box;

  constructor(
    inner: Env<Task>,
    readonly appendedDim: number,
  ) {
    super(inner);
    this.space = box(boxSize(inner.observationSpace) + appendedDim, -Infinity, Infinity);
  }

  override get observationSpace(): Box {
    return this.space;
  }

  /** The numbers appended now (read after every inner reset and step). */
  protected abstract appended(): Float32Array;

  /** Called right after the inner env resets, before its first observation is extended. */
  protected onReset(): void {}

  override reset(options?: ResetOptions<Task>): ResetResult {
    const result = this.inner.reset(options);
    this.onReset();
    return { ...result, obs: this.extend(result.obs) };
  }

  override step(action: ArrayLike<number>): StepResult {
    const result = this.inner.step(action);
    return { ...result, obs: this.extend(result.obs) };
  }

  private extend(obs: Float32Array): Float32Array {
    const out = new Float32Array(obs.length + this.appendedDim);
    out.set(obs);
    out.set(this.appended(), obs.length);
    return out;
  }
}
