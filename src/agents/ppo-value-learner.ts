/**
 * The value net's half of a PPO update: its own optimizer (the value net shares no parameter with the policy), one
 * minibatch at a time in two steps, so that the global gradient-norm clip, which couples the two halves, can be
 * computed between them: `gradient` returns the squared norm of this half's gradient, `step` applies it scaled.
 * The same code runs in the updating thread (ppo.ts) or on a thread of its own (ppo-value-thread.ts), so the
 * results are the same bits either way.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from './gather-rows.js';
import type { ScaledStep } from './host-adam.js';
import type { GaussianPolicy } from './policy.js';
import { type PpoLossTerms, valueGradient } from './ppo-gradient.js';

/** One update's data for the value net: normalized observations [n, obsDim], value targets and old values [n]. */
export interface ValueBatch {
  normObs: Float32Array;
  returns: Float32Array;
  values: Float32Array;
  n: number;
  obsDim: number;
}

export class ValueLearner {
  private readonly variables: tf.Variable[];
  private data: ValueBatch | null = null;
  private pending: tf.NamedTensorMap | null = null;
  private vLoss = 0;

  /** `optimizer`: PPO's Adam (ppo.ts makes it); the learner disposes it. */
  constructor(
    private readonly policy: GaussianPolicy,
    private readonly terms: PpoLossTerms,
    private readonly optimizer: ScaledStep,
  ) {
    this.variables = policy.variablesOf('vf');
  }

  /** Starts an update on `batch` with the given learning rate (annealed by the caller). */
  begin(batch: ValueBatch, learningRate: number): void {
    this.optimizer.learningRate = learningRate;
    this.data = batch;
  }

  /** This half's gradient on the samples `indices` (kept for `step`); returns its squared norm. */
  gradient(indices: Int32Array, withStats: boolean): number {
    const data = this.data!;
    const kept = tf.tidy(() => {
      const mb = {
        obs: tf.tensor2d(gatherRows(data.normObs, data.obsDim, indices), [indices.length, data.obsDim]),
        returns: gatherRows(data.returns, 1, indices),
        values: gatherRows(data.values, 1, indices),
      };
      const { grads, vLoss } = valueGradient(this.policy, mb, this.terms, withStats);
      if (vLoss !== undefined) this.vLoss = vLoss;
      return grads;
    });
    this.pending = kept;
    return this.optimizer.squaredNorm(this.variables, kept);
  }

  /** Applies the gradient of the last `gradient` call times `scale` (the shared clip factor). */
  step(scale: number): void {
    const grads = this.pending!;
    this.pending = null;
    tf.tidy(() => this.optimizer.stepWithScale(this.variables, grads, scale));
    tf.dispose(Object.values(grads));
  }

  /** The optimizer's Adam state (null for one without). */
  moments() {
    return this.optimizer.moments?.() ?? null;
  }

  /** vLoss of the last minibatch whose statistics were asked for. */
  lastVLoss(): number {
    return this.vLoss;
  }

  dispose(): void {
    this.data = null;
    if (this.pending) tf.dispose(Object.values(this.pending));
    this.optimizer.dispose();
  }
}
