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
  /** One gradient a variable, by the variable's name (what HostAdam.stepWithScale takes). */
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

/** The policy's half of a minibatch: observations as a tensor (the forward pass), the rest on the host. */
export interface PolicyMinibatch {
  obs: tf.Tensor2D;
  /** [n, actDim] row-major. */
  actions: Float32Array;
  logProbs: Float32Array;
  /** Already normalized (if they are to be). */
  advantages: Float32Array;
}

/** The value net's half: observations as a tensor, value targets and the rollout's values on the host. */
export interface ValueMinibatch {
  obs: tf.Tensor2D;
  returns: Float32Array;
  values: Float32Array;
}

/** The minibatch statistics of the policy's half, read once an epoch. */
export interface PolicyStats {
  pgLoss: number;
  entropy: number;
  approxKl: number;
  clipFrac: number;
}

/**
 * The gradient of pgLoss - entCoef * entropy for the policy's variables (mean MLP and log-std); with `withStats`,
 * its statistics. The forward and backward passes through the layers are tfjs kernels; the loss between them (a few
 * numbers a sample) is computed on the host in float64 from the mean actions, which costs less than the 30 kernels
 * it took as tensors. Call inside a tf.tidy.
 */
export function policyGradient(
  policy: GaussianPolicy,
  mb: PolicyMinibatch,
  terms: PpoLossTerms,
  withStats: boolean,
): { grads: tf.NamedTensorMap; stats?: PolicyStats } {
  const n = mb.obs.shape[0];
  const actDim = policy.actDim;
  const pi = layersOf(policy, 'pi');
  const logStdVar = policy.variables[policy.specs.findIndex((s) => s.name === 'pi/log_std')]!;
  const logStd = logStdVar.dataSync();
  const piHs = forward(pi, mb.obs);
  const mu = piHs[piHs.length - 1]!.dataSync();
  // z = (a - mu) / sigma, log pi = -0.5 sum z^2 - sum logStd - const, ratio = exp(log pi - old log pi).
  const std = Array.from(logStd, Math.exp);
  let logStdSum = 0;
  for (const x of logStd) logStdSum += x;
  const logNorm = logStdSum + 0.5 * actDim * LOG_2PI;
  const lo = 1 - terms.clipCoef;
  const hi = 1 + terms.clipCoef;
  const dMu = new Float32Array(n * actDim);
  const dLogStd = new Float64Array(actDim);
  const z = new Float64Array(actDim);
  let dLogProbSum = 0;
  let pgLoss = 0;
  let approxKl = 0;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    let zSq = 0;
    for (let j = 0; j < actDim; j++) {
      z[j] = (mb.actions[i * actDim + j]! - mu[i * actDim + j]!) / std[j]!;
      zSq += z[j]! * z[j]!;
    }
    const logRatio = -0.5 * zSq - logNorm - mb.logProbs[i]!;
    const ratio = Math.exp(logRatio);
    const negAdv = -mb.advantages[i]!;
    const unclippedTerm = negAdv * ratio;
    const clippedTerm = negAdv * Math.min(Math.max(ratio, lo), hi);
    // d pgLoss / d ratio: through the unclipped term where it is the max (ties included, as tf.maximum's gradient),
    // else through the clip where the ratio is inside it (edges included, as tf.clipByValue's).
    const through = unclippedTerm >= clippedTerm || (ratio >= lo && ratio <= hi);
    const dLogProb = through ? (negAdv / n) * ratio : 0;
    dLogProbSum += dLogProb;
    // d log pi / d mu = z / sigma; d log pi / d logStd_j = z_j^2 - 1.
    for (let j = 0; j < actDim; j++) {
      dMu[i * actDim + j] = (dLogProb * z[j]!) / std[j]!;
      dLogStd[j]! += dLogProb * z[j]! * z[j]!;
    }
    if (withStats) {
      pgLoss += Math.max(unclippedTerm, clippedTerm);
      approxKl += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > terms.clipCoef) clipped++;
    }
  }
  const grads: tf.NamedTensorMap = {};
  backward(pi, piHs, tf.tensor2d(dMu, [n, actDim]), grads);
  grads[logStdVar.name] = tf.tensor1d(Float32Array.from(dLogStd, (d) => d - dLogProbSum - terms.entCoef));
  if (!withStats) return { grads };
  const entropy = policy.entropyTensor().dataSync()[0]!;
  return { grads, stats: { pgLoss: pgLoss / n, entropy, approxKl: approxKl / n, clipFrac: clipped / n } };
}

/**
 * The gradient of vfCoef * vLoss for the value net's variables, vLoss = 0.5 mean((V - R)^2), or of
 * max((V - R)^2, (V_old + clip(V - V_old) - R)^2) with clipVloss; with `withStats`, vLoss. The loss between the
 * forward and backward passes is computed on the host, as the policy's. Call inside a tf.tidy.
 */
export function valueGradient(
  policy: GaussianPolicy,
  mb: ValueMinibatch,
  terms: PpoLossTerms,
  withStats: boolean,
): { grads: tf.NamedTensorMap; vLoss?: number } {
  const n = mb.obs.shape[0];
  const vf = layersOf(policy, 'vf');
  const vfHs = forward(vf, mb.obs);
  const v = vfHs[vfHs.length - 1]!.dataSync();
  const c = terms.clipCoef;
  const scale = terms.vfCoef / n; // d (vfCoef * 0.5 mean(x^2)) / dx = vfCoef x / n
  const dV = new Float32Array(n);
  let vLoss = 0;
  for (let i = 0; i < n; i++) {
    const err = v[i]! - mb.returns[i]!;
    let term = err * err;
    let d = err;
    if (terms.clipVloss) {
      const delta = v[i]! - mb.values[i]!;
      const clippedErr = mb.values[i]! + Math.min(Math.max(delta, -c), c) - mb.returns[i]!;
      const clippedSq = clippedErr * clippedErr;
      // Through the unclipped error where it is the max (ties included), else through the clip where it passes.
      if (term < clippedSq) d = delta >= -c && delta <= c ? clippedErr : 0;
      term = Math.max(term, clippedSq);
    }
    dV[i] = d * scale;
    vLoss += term;
  }
  const grads: tf.NamedTensorMap = {};
  backward(vf, vfHs, tf.tensor2d(dV, [n, 1]), grads);
  return withStats ? { grads, vLoss: (0.5 * vLoss) / n } : { grads };
}

/** The loss's gradient for every variable of `policy` (which must have a value MLP); call inside a tf.tidy. */
export function ppoGradient(
  policy: GaussianPolicy,
  mb: PpoMinibatch,
  terms: PpoLossTerms,
  withStats: boolean,
): PpoGradient {
  const host = (t: tf.Tensor) => t.dataSync() as Float32Array;
  const pi = policyGradient(
    policy,
    { obs: mb.obs, actions: host(mb.actions), logProbs: host(mb.logProbs), advantages: host(mb.advantages) },
    terms,
    withStats,
  );
  const vf = valueGradient(
    policy,
    { obs: mb.obs, returns: host(mb.returns), values: host(mb.values) },
    terms,
    withStats,
  );
  const grads = { ...pi.grads, ...vf.grads };
  if (!withStats) return { grads };
  const { pgLoss, entropy, approxKl, clipFrac } = pi.stats!;
  return { grads, stats: tf.tensor1d([pgLoss, vf.vLoss!, entropy, approxKl, clipFrac]) };
}
