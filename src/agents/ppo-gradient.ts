/**
 * The gradient of PPO's minibatch loss, pgLoss - entCoef * entropy + vfCoef * vLoss (ppo.ts), written out by hand
 * instead of recorded on tfjs's tape. Same math as the tape's, about a third of its kernels: the tape adds an
 * Identity a custom-gradient input and output, a Reshape a broadcast, and its bookkeeping, and on wasm a kernel
 * call costs more than a small layer's arithmetic (`npm run bench -- learn --sections update`). Checked against
 * tf.variableGrads of the same loss in test/agents/ppo-gradient.test.ts.
 *
 * Where the tape would pick a side at a tie (max of the two surrogate or value terms, the clip's edges) this picks
 * the side tfjs's gradients pick: Maximum passes the gradient to its first argument when a >= b, ClipByValue
 * passes it where lo <= x <= hi.
 */
import * as tf from '@tensorflow/tfjs';
import { denseForward, type LayerActivation, preActivationGrad } from './dense-layer.js';
import type { GaussianPolicy } from './policy.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface PpoLossTerms {
  clipCoef: number;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
}

/** A minibatch: normalized observations, actions, and what the rollout recorded; advantages already normalized. */
export interface PpoMinibatch {
  obs: tf.Tensor2D;
  actions: tf.Tensor2D;
  logProbs: tf.Tensor1D;
  advantages: tf.Tensor1D;
  returns: tf.Tensor1D;
  values: tf.Tensor1D;
}

export interface PpoGradient {
  /** One gradient a variable, by the variable's name (what FlatAdam.step takes). */
  grads: tf.NamedTensorMap;
  /** With `withStats`: [pgLoss, vLoss, entropy, approxKl, clipFrac] as one tensor [5]. */
  stats?: tf.Tensor1D;
}

interface Layer {
  w: tf.Variable;
  b: tf.Variable;
  activation: LayerActivation;
}

/** The policy's layers of one part ('pi': the mean MLP, 'vf': the value MLP), input to output. */
function layersOf(policy: GaussianPolicy, part: 'pi' | 'vf'): Layer[] {
  const kernels = policy.specs.flatMap((s, i) =>
    s.name.startsWith(`${part}/`) && s.shape.length === 2 ? [i] : [],
  );
  return kernels.map((k, l) => ({
    w: policy.variables[k]!,
    b: policy.variables[k + 1]!,
    activation: l < kernels.length - 1 ? policy.config.activation : 'linear',
  }));
}

/** Forward through `layers`, keeping every layer's input and the output (what the backward pass reads). */
function forward(layers: Layer[], x: tf.Tensor2D): tf.Tensor2D[] {
  const hs = [x];
  for (const { w, b, activation } of layers) {
    hs.push(denseForward(hs[hs.length - 1]!, w as tf.Tensor2D, b as tf.Tensor1D, activation));
  }
  return hs;
}

/** Backward from d loss / d output; writes each layer's kernel and bias gradient into `grads`. */
function backward(layers: Layer[], hs: tf.Tensor2D[], dOut: tf.Tensor2D, grads: tf.NamedTensorMap): void {
  let dh = dOut;
  for (let l = layers.length - 1; l >= 0; l--) {
    const { w, b, activation } = layers[l]!;
    const dz = preActivationGrad(dh, hs[l + 1]!, activation);
    // Explicit transposes: wasm runs a matMul with a transpose flag on a slow path (dense-layer.ts).
    grads[w.name] = tf.matMul(tf.transpose(hs[l]!), dz);
    grads[b.name] = tf.sum(dz, 0);
    if (l > 0) dh = tf.matMul(dz, tf.transpose(w));
  }
}

/**
 * The loss itself, as tfjs ops the tape can differentiate (what ppo.ts ran before the hand-written gradient): the
 * reference the gradient is tested and benchmarked against.
 */
export function ppoLoss(policy: GaussianPolicy, mb: PpoMinibatch, terms: PpoLossTerms): tf.Scalar {
  const logRatio = policy.logProbTensor(mb.obs, mb.actions).sub(mb.logProbs);
  const pgLoss = clippedSurrogateLoss(logRatio.exp(), mb.advantages, terms.clipCoef);
  const newValues = policy.valueTensor(mb.obs);
  let vLoss: tf.Tensor = newValues.sub(mb.returns).square();
  if (terms.clipVloss) {
    const clipped = mb.values.add(newValues.sub(mb.values).clipByValue(-terms.clipCoef, terms.clipCoef));
    vLoss = tf.maximum(vLoss, clipped.sub(mb.returns).square());
  }
  vLoss = vLoss.mean().mul(0.5);
  const bonus = terms.entCoef > 0 ? pgLoss.sub(policy.entropyTensor().mul(terms.entCoef)) : pgLoss;
  return bonus.add(vLoss.mul(terms.vfCoef)) as tf.Scalar;
}

/**
 * PPO's clipped surrogate as a loss to minimize: mean(max(-A r, -A clip(r, 1 - clipCoef, 1 + clipCoef))), so a
 * sample whose ratio has already moved past the clip in the direction its advantage favours adds no gradient.
 */
export function clippedSurrogateLoss(ratio: tf.Tensor, advantages: tf.Tensor, clipCoef: number): tf.Scalar {
  return tf
    .maximum(advantages.neg().mul(ratio), advantages.neg().mul(ratio.clipByValue(1 - clipCoef, 1 + clipCoef)))
    .mean();
}

/** The policy's half of a minibatch: the fields its loss reads. */
export type PolicyMinibatch = Pick<PpoMinibatch, 'obs' | 'actions' | 'logProbs' | 'advantages'>;
/** The value net's half. */
export type ValueMinibatch = Pick<PpoMinibatch, 'obs' | 'returns' | 'values'>;

/**
 * The gradient of pgLoss - entCoef * entropy for the policy's variables (mean MLP and log-std); with `withStats`,
 * [pgLoss, entropy, approxKl, clipFrac]. Call inside a tf.tidy.
 */
export function policyGradient(
  policy: GaussianPolicy,
  mb: PolicyMinibatch,
  terms: PpoLossTerms,
  withStats: boolean,
): { grads: tf.NamedTensorMap; stats?: tf.Tensor[] } {
  const n = mb.obs.shape[0];
  const pi = layersOf(policy, 'pi');
  const logStd = policy.variables[policy.specs.findIndex((s) => s.name === 'pi/log_std')]!;
  const grads: tf.NamedTensorMap = {};
  // z = (a - mu) / sigma, log pi = -0.5 sum z^2 - sum logStd - const, ratio = exp(log pi - old log pi).
  const piHs = forward(pi, mb.obs);
  const mu = piHs[piHs.length - 1]!;
  const std = tf.exp(logStd);
  const z = tf.div(tf.sub(mb.actions, mu), std) as tf.Tensor2D;
  const zSq = tf.square(z);
  const logProb = tf.sub(tf.sub(tf.mul(tf.sum(zSq, 1), -0.5), tf.sum(logStd)), 0.5 * policy.actDim * LOG_2PI);
  const logRatio = tf.sub(logProb, mb.logProbs);
  const ratio = tf.exp(logRatio);
  const negAdv = tf.neg(mb.advantages);
  const lo = 1 - terms.clipCoef;
  const hi = 1 + terms.clipCoef;
  const unclipped = tf.mul(negAdv, ratio);
  const clipped = tf.mul(negAdv, tf.clipByValue(ratio, lo, hi));
  // d pgLoss / d ratio: through the unclipped term where it is the max, else through the clip where it passes.
  const insideClip = tf.logicalAnd(tf.greaterEqual(ratio, lo), tf.lessEqual(ratio, hi));
  const through = tf.logicalOr(tf.greaterEqual(unclipped, clipped), insideClip);
  const dRatio = tf.where(through, tf.mul(negAdv, 1 / n), tf.zerosLike(negAdv));
  const dLogProb = tf.mul(dRatio, ratio);
  // d log pi / d mu = z / sigma; d log pi / d logStd_j = z_j^2 - 1.
  const dLogProbCol = tf.reshape(dLogProb, [n, 1]);
  backward(pi, piHs, tf.div(tf.mul(dLogProbCol, z), std) as tf.Tensor2D, grads);
  let dLogStd = tf.sub(tf.sum(tf.mul(dLogProbCol, zSq), 0), tf.sum(dLogProb));
  if (terms.entCoef > 0) dLogStd = tf.sub(dLogStd, terms.entCoef);
  grads[logStd.name] = dLogStd;
  if (!withStats) return { grads };
  const pgLoss = tf.mean(tf.maximum(unclipped, clipped));
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), terms.clipCoef), 'float32'));
  return { grads, stats: [pgLoss, policy.entropyTensor(), approxKl, clipFrac] };
}

/**
 * The gradient of vfCoef * vLoss for the value net's variables, vLoss = 0.5 mean((V - R)^2), or of
 * max((V - R)^2, (V_old + clip(V - V_old) - R)^2) with clipVloss; with `withStats`, vLoss. Call inside a tf.tidy.
 */
export function valueGradient(
  policy: GaussianPolicy,
  mb: ValueMinibatch,
  terms: PpoLossTerms,
  withStats: boolean,
): { grads: tf.NamedTensorMap; vLoss?: tf.Scalar } {
  const n = mb.obs.shape[0];
  const vf = layersOf(policy, 'vf');
  const grads: tf.NamedTensorMap = {};
  const vfHs = forward(vf, mb.obs);
  const v = tf.reshape(vfHs[vfHs.length - 1]!, [n]);
  const err = tf.sub(v, mb.returns);
  let vTerm: tf.Tensor = tf.square(err);
  let dV: tf.Tensor;
  const scale = terms.vfCoef / n; // d (vfCoef * 0.5 mean(x^2)) / dx = vfCoef x / n
  if (terms.clipVloss) {
    const delta = tf.sub(v, mb.values);
    const clippedErr = tf.sub(
      tf.add(mb.values, tf.clipByValue(delta, -terms.clipCoef, terms.clipCoef)),
      mb.returns,
    );
    const clippedSq = tf.square(clippedErr);
    const useUnclipped = tf.greaterEqual(vTerm, clippedSq);
    const deltaInside = tf.logicalAnd(
      tf.greaterEqual(delta, -terms.clipCoef),
      tf.lessEqual(delta, terms.clipCoef),
    );
    const dClipped = tf.where(deltaInside, clippedErr, tf.zerosLike(clippedErr));
    dV = tf.mul(tf.where(useUnclipped, err, dClipped), scale);
    vTerm = tf.maximum(vTerm, clippedSq);
  } else {
    dV = tf.mul(err, scale);
  }
  backward(vf, vfHs, tf.reshape(dV, [n, 1]) as tf.Tensor2D, grads);
  return withStats ? { grads, vLoss: tf.mul(tf.mean(vTerm), 0.5) as tf.Scalar } : { grads };
}

/** The loss's gradient for every variable of `policy` (which must have a value MLP); call inside a tf.tidy. */
export function ppoGradient(
  policy: GaussianPolicy,
  mb: PpoMinibatch,
  terms: PpoLossTerms,
  withStats: boolean,
): PpoGradient {
  const pi = policyGradient(policy, mb, terms, withStats);
  const vf = valueGradient(policy, mb, terms, withStats);
  const grads = { ...pi.grads, ...vf.grads };
  if (!withStats) return { grads };
  const [pgLoss, entropy, approxKl, clipFrac] = pi.stats!;
  return { grads, stats: tf.stack([pgLoss!, vf.vLoss!, entropy!, approxKl!, clipFrac!]) as tf.Tensor1D };
}
