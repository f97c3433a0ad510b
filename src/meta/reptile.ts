/**
 * The Reptile meta step as weight algebra over flat Float32Array parameter vectors
 * (Nichol, Achiam and Schulman 2018, "On First-Order Meta-Learning Algorithms", arXiv 1803.02999):
 *
 *   for each task i of the meta-batch: theta'_i = adapt(theta, task_i)       (k inner updates)
 *   theta <- theta + eps * mean_i(theta'_i - theta)                          (plain Reptile)
 *
 * Options, all built from the same pieces:
 * - `adam`: the pseudo-gradient g = theta - mean_i(theta'_i) goes to Adam (step size eps) instead of the plain step.
 * - FOMAML (first-order MAML): the pseudo-gradient is the last inner update only, g = mean_i(phi_i - theta'_i) where
 *   phi_i are the parameters before the last inner update; with plain SGD inner steps this is inner step size x the
 *   mean of the last inner gradients, so eps here plays the role of metaStepSize / innerStepSize.
 *
 * Observation normalization (running mean/var of observations) is meta-learned state too, but it is data, not a
 * weight: it is pooled, not stepped. The inner learner folds each batch of a task's observations into the statistics
 * it started from; after a meta-batch, what each task added is merged (Chan et al.'s parallel mean/variance, count
 * weighted) into the meta-init's statistics, as if one running estimate had seen every observation of every task
 * (`poolObsNorm` in rl-learner.ts). So the init normalizes with statistics of the whole training distribution, never
 * of one task, and eps annealing never freezes them. Config `obsNorm: "frozen"` keeps the init's statistics instead.
 * Stepping the statistics with eps like the weights would mix a count-weighted estimate with an annealed step size.
 *
 * Every function here is pure: inputs are never written.
 */

/** mean_i(adapted_i - theta): the Reptile direction. */
export function meanDelta(theta: Float32Array, adapted: readonly Float32Array[]): Float32Array {
  if (adapted.length === 0) throw new Error('meanDelta: need at least one adapted parameter vector');
  const out = new Float64Array(theta.length);
  for (const a of adapted) {
    if (a.length !== theta.length) {
      throw new Error(`meanDelta: adapted params have length ${a.length}, expected ${theta.length}`);
    }
    for (let j = 0; j < theta.length; j++) out[j]! += a[j]! - theta[j]!;
  }
  const result = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) result[j] = out[j]! / adapted.length;
  return result;
}

/** theta + eps * mean_i(adapted_i - theta). With eps = 1 the result is the average of the adapted vectors. */
export function reptileStep(
  theta: Float32Array,
  adapted: readonly Float32Array[],
  eps: number,
): Float32Array {
  const delta = meanDelta(theta, adapted);
  const out = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) out[j] = theta[j]! + eps * delta[j]!;
  return out;
}

/** Reptile's pseudo-gradient theta - mean_i(adapted_i), the direction Adam descends. */
export function reptileGradient(theta: Float32Array, adapted: readonly Float32Array[]): Float32Array {
  const delta = meanDelta(theta, adapted);
  for (let j = 0; j < delta.length; j++) delta[j] = -delta[j]!;
  return delta;
}

/** FOMAML's pseudo-gradient mean_i(beforeLast_i - adapted_i): the last inner update of each task, negated. */
export function fomamlGradient(
  beforeLast: readonly Float32Array[],
  adapted: readonly Float32Array[],
): Float32Array {
  if (beforeLast.length !== adapted.length || adapted.length === 0) {
    throw new Error('fomamlGradient: need one "before last step" vector per adapted vector');
  }
  const n = adapted[0]!.length;
  const sum = new Float64Array(n);
  for (let i = 0; i < adapted.length; i++) {
    const a = adapted[i]!;
    const b = beforeLast[i]!;
    for (let j = 0; j < n; j++) sum[j]! += b[j]! - a[j]!;
  }
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = sum[j]! / adapted.length;
  return out;
}

/** base + scale * mean_i(vectors_i), a new vector. */
export function addScaledMean(
  base: Float32Array,
  vectors: readonly Float32Array[],
  scale: number,
): Float32Array {
  const out = Float64Array.from(base);
  for (const v of vectors) {
    if (v.length !== base.length)
      throw new Error(`addScaledMean: length ${v.length}, expected ${base.length}`);
    for (let j = 0; j < v.length; j++) out[j]! += (scale * v[j]!) / vectors.length;
  }
  return Float32Array.from(out);
}

/** theta - lr * g (SGD on a pseudo-gradient). */
export function sgdStep(theta: Float32Array, grad: Float32Array, lr: number): Float32Array {
  const out = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) out[j] = theta[j]! - lr * grad[j]!;
  return out;
}

/**
 * eps annealed linearly from eps0 (iteration 0) to eps1 (the last iteration, `iterations - 1`),
 * as in the Reptile paper's `frac_done` schedule.
 */
export function linearEps(eps0: number, eps1: number, iteration: number, iterations: number): number {
  const fracDone = iterations <= 1 ? 0 : Math.min(1, Math.max(0, iteration / (iterations - 1)));
  return eps0 + (eps1 - eps0) * fracDone;
}

/** Adam's moments and step count: plain data, checkpointed as is. */
export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  t: number;
}

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const ADAM_DEFAULTS: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export function adamInit(numParams: number): AdamState {
  return { m: new Float32Array(numParams), v: new Float32Array(numParams), t: 0 };
}

/** One Adam step of size lr on gradient `grad` (Kingma and Ba, with bias correction). Returns new params and state. */
export function adamStep(
  theta: Float32Array,
  grad: Float32Array,
  state: AdamState,
  lr: number,
  options: AdamOptions = ADAM_DEFAULTS,
): { params: Float32Array; state: AdamState } {
  const { beta1, beta2, epsilon } = options;
  const t = state.t + 1;
  const m = new Float32Array(theta.length);
  const v = new Float32Array(theta.length);
  const params = new Float32Array(theta.length);
  const correction1 = 1 - beta1 ** t;
  const correction2 = 1 - beta2 ** t;
  for (let j = 0; j < theta.length; j++) {
    const g = grad[j]!;
    m[j] = beta1 * state.m[j]! + (1 - beta1) * g;
    v[j] = beta2 * state.v[j]! + (1 - beta2) * g * g;
    const mHat = m[j]! / correction1;
    const vHat = v[j]! / correction2;
    params[j] = theta[j]! - (lr * mHat) / (Math.sqrt(vHat) + epsilon);
  }
  return { params, state: { m, v, t } };
}
