import { TerrariumError } from '../core/errors.js';
import { AppendedObservation } from './appended-observation.js';
import type { Env } from './env.js';

/**
 * Appends a vector set from outside (`setContext`) to every observation: the input through which an agent
 * conditions its policy on a task context it adapts itself (CAVIA-style context adaptation). The env never reads
 * the context; a change takes effect at the next observation.
 */
export class ContextInput<Task> extends AppendedObservation<Task> {
  private readonly context: Float32Array;

  constructor(
    inner: Env<Task>,
    readonly contextDim: number,
  ) {
    if (!Number.isInteger(contextDim) || contextDim < 1) {
      throw new TerrariumError('contextDim', contextDim, 'an integer >= 1');
    }
    super(inner, contextDim);
    this.context = new Float32Array(contextDim);
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

  protected appended(): Float32Array {
    return this.context;
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

/** Every copy's context back to 0, where an adaptation starts (a context learner then moves it itself). */
export function zeroContexts(envs: readonly Env<unknown>[], contextDim: number): void {
  setContexts(envs, new Float32Array(contextDim), contextDim);
}
