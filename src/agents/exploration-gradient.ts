/**
 * The part of the meta-gradient that first-order methods drop: how the init's own sampling of the first inner batch
 * changes the return after adaptation (the score-function term of MAML's gradient that E-MAML, Stadie et al. 2018,
 * and ProMP, Rothfuss et al. 2019, restore). Without it nothing rewards an init for exploring in a way that makes
 * its one update informative.
 *
 * Linearized, first-order: the first update is theta_1 = theta_0 + alpha * m0 * sum_j c_j, with c_j episode j's
 * share of the batch gradient (1/N) sum_{t in j} grad log pi(a_t | s_t) A_t. To first order the return after it
 * changes by w_j = g_1 . (alpha * m0 * c_j) through episode j, g_1 being the gradient at theta_1. The sampling term
 * is then sum_j (w_j - mean w) grad log p(tau_j) (the mean is a baseline: the episodes are exchangeable).
 * w_j = (1/N) sum_{t in j} A_t D_t with D_t the derivative of log pi(a_t | s_t) along v = alpha * m0 * g_1, taken
 * here as a central difference over one v, the step the linearization already assumes.
 */
import * as tf from '@tensorflow/tfjs';
import { mean } from '../core/summary.js';
import type { GaussianPolicy } from './policy.js';
import type { RolloutBatch } from './rollout.js';

/**
 * The sampling term at `theta0` (ascent direction, flat policy order; 0 for value weights) from the first inner
 * batch, its advantages as the update used them, and the direction `v` = alpha * m0 * g_1. `scratch` is a policy
 * of the same shape whose params this overwrites.
 */
export function explorationGradient(
  scratch: GaussianPolicy,
  batch: RolloutBatch,
  advantages: Float32Array,
  theta0: Float32Array,
  v: Float32Array,
): Float32Array {
  const shifted = (sign: number) => theta0.map((x, i) => x + (sign * v[i]!) / 2);
  const logProbs = (params: Float32Array) => {
    scratch.setParams(params);
    return tf.tidy(() => logProbOf(scratch, batch).dataSync() as Float32Array);
  };
  const ahead = logProbs(shifted(1));
  const behind = logProbs(shifted(-1));
  const weights = episodeWeights(batch, (t) => (advantages[t]! * (ahead[t]! - behind[t]!)) / batch.size);

  scratch.setParams(theta0);
  return tf.tidy(() => {
    const w = tf.tensor1d(weights);
    const { grads } = tf.variableGrads(
      () => logProbOf(scratch, batch).mul(w).sum() as tf.Scalar,
      scratch.variablesOf('pi'),
    );
    return scratch.flatPolicyGradient(grads);
  });
}

/**
 * Per step, its episode's weight minus the mean over episodes: episode j's weight is the sum of `perStep(t)` over
 * its steps (the batch holds episodes one after another, `episodeLengths` long).
 */
export function episodeWeights(batch: RolloutBatch, perStep: (t: number) => number): Float32Array {
  const sums: number[] = [];
  let t = 0;
  for (const length of batch.episodeLengths) {
    let sum = 0;
    for (const end = t + length; t < end; t++) sum += perStep(t);
    sums.push(sum);
  }
  if (t !== batch.size)
    throw new Error(`episodeWeights: episodes cover ${t} steps, the batch has ${batch.size}`);
  const baseline = sums.length === 0 ? 0 : mean(sums);
  const weights = new Float32Array(batch.size);
  t = 0;
  for (const [j, length] of batch.episodeLengths.entries())
    weights.fill(sums[j]! - baseline, t, (t += length));
  return weights;
}

function logProbOf(policy: GaussianPolicy, batch: RolloutBatch): tf.Tensor1D {
  const x = tf.tensor2d(batch.normObs, [batch.size, batch.obsDim]);
  const a = tf.tensor2d(batch.actions, [batch.size, batch.actDim]);
  return policy.logProbTensor(x, a);
}
