import { TerrariumError } from '../core/errors.js';
import type { Env, ResetOptions, ResetResult, StepResult } from './env.js';
import { type Box, box, boxSize } from './spaces.js';
import { EnvWrapper } from './wrapper.js';

/**
 * Appends a vector set from outside (`setContext`) to every observation: the input through which an agent
 * conditions its policy on a task context it adapts itself (CAVIA-style context adaptation). The env never reads
 * the context; a change takes effect at the next observation.
 */
export class ContextInput<Task> extends EnvWrapper<Task> {
  private readonly space: Box;
  private readonly context: Float32Array;

  constructor(
    inner: Env<Task>,
    readonly contextDim: number,
  ) {
    super(inner);
    if (!Number.isInteger(contextDim) || contextDim < 1) {
      throw new TerrariumError('contextDim', contextDim, 'an integer >= 1');
    }
    this.context = new Float32Array(contextDim);
    this.space = box(boxSize(inner.observationSpace) + contextDim, -Infinity, Infinity);
  }

  override get observationSpace(): Box {
    return this.space;
  }

  /** The context appended from the next observation on (copied). */
  setContext(context: ArrayLike<number>): void {
    if (context.length !== this.contextDim) {
      throw new TerrariumError('context', `length ${context.length}`, `${this.contextDim} numbers`);
    }
    for (let i = 0; i < context.length; i++) {
      if (!Number.isFinite(context[i])) {
        throw new TerrariumError(`context[${i}]`, context[i], 'a finite number');
      }
    }
    this.context.set(context);
  }

  getContext(): Float32Array {
    return this.context.slice();
  }

  private extend(obs: Float32Array): Float32Array {
    const out = new Float32Array(obs.length + this.contextDim);
    out.set(obs);
    out.set(this.context, obs.length);
    return out;
  }

  override reset(options?: ResetOptions<Task>): ResetResult {
    const result = this.inner.reset(options);
    return { ...result, obs: this.extend(result.obs) };
  }

  override step(action: ArrayLike<number>): StepResult {
    const result = this.inner.step(action);
    return { ...result, obs: this.extend(result.obs) };
  }
}

/** Sets copy i's context to row i of `contexts` (copies x contextDim), or every copy's to one context. */
export function setContexts(envs: readonly Env<unknown>[], contexts: Float32Array, contextDim: number): void {
  const rows = contexts.length / contextDim;
  if (rows !== 1 && rows !== envs.length) {
    throw new TerrariumError(
      'contexts',
      `length ${contexts.length}`,
      `${contextDim} or ${envs.length * contextDim} numbers`,
    );
  }
  envs.forEach((env, i) => {
    if (!(env instanceof ContextInput)) {
      throw new TerrariumError('env', env.id, 'an env built with a contextDim (makeEnv({ contextDim }))');
    }
    const r = rows === 1 ? 0 : i;
    env.setContext(contexts.subarray(r * contextDim, (r + 1) * contextDim));
  });
}
