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

/**
 * The return's gradient at theta_j read back from the inner update that left it:
 * (theta_{j+1} - theta_j) / (alpha * multipliers) (up to the learner's gradient clipping, a positive factor).
 * `points`: theta_0 (the init), then the params after each inner update.
 */
export function readBackGradient(
  points: readonly Float32Array[],
  j: number,
  multipliers: Float32Array,
  alpha: number,
): Float32Array {
  const from = points[j]!;
  return points[j + 1]!.map((value, i) => (value - from[i]!) / (alpha * multipliers[i]!));
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

/**
 * Meta-SGD's state: log multipliers s of the inner step size, one vector per learned step (flat, step after step:
 * `numParams` numbers each), and Adam's moments for s.
 */
export interface StepScales {
  log: Float32Array;
  adam: AdamState;
}

export function stepScalesInit(numParams: number, steps = 1): StepScales {
  return { log: new Float32Array(numParams * steps), adam: adamInit(numParams * steps) };
}

/** The multipliers exp(s) the inner learner applies: one vector per learned step (update u uses the u-th, the last
 * one past the end). */
export function stepMultipliers(scales: StepScales, numParams: number): Float32Array[] {
  const steps = scales.log.length / numParams;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(
      `stepMultipliers: ${scales.log.length} log scales are not a whole number of ${numParams}-vectors`,
    );
  }
  return Array.from({ length: steps }, (_, j) =>
    scales.log.subarray(j * numParams, (j + 1) * numParams).map(Math.exp),
  );
}

/** A learned step-size vector's credit from one task: dJ/ds_i ~ gradient_i * (to_i - from_i). */
export interface StepCredit {
  from: Float32Array;
  to: Float32Array;
  gradient: Float32Array;
}

/**
 * Meta-SGD's first-order credits from one task. The return after `reach` updates, J(theta_reach), depends on the
 * log step size s_i of update j through delta_j,i = theta_j,i - theta_{j-1},i, proportional to exp(s_i); dropping
 * the gradients' own dependence on s, dJ/ds_i ~ g_i * delta_j,i with g the gradient at theta_reach.
 * - Shared step sizes (one vector for every update): the sum over j, g_reach * (theta_reach - theta_0).
 * - Per step (one vector per update, `perStep`): update j's vector is trained for the return right after it,
 *   g_j * delta_j for j = 1..reach: MAML++'s per-step rates with its per-step losses, first-order, so a step
 *   sized for the first update does not overshoot on the second.
 * `points`: theta_0..theta_K; `gradientAt(j)`: the return's gradient at theta_j.
 */
export function stepCredits(
  points: readonly Float32Array[],
  reach: number,
  perStep: boolean,
  gradientAt: (j: number) => Float32Array,
): StepCredit[] {
  if (!perStep) return [{ from: points[0]!, to: points[reach]!, gradient: gradientAt(reach) }];
  return Array.from({ length: reach }, (_, j) => ({
    from: points[j]!,
    to: points[j + 1]!,
    gradient: gradientAt(j + 1),
  }));
}

/**
 * One Meta-SGD step on the log step sizes: Adam ascends the mean over tasks of each learned vector's credit
 * (`credits[task][step]`); s is clipped to [-ln maxScale, ln maxScale].
 */
export function stepScalesStep(
  scales: StepScales,
  credits: readonly (readonly StepCredit[])[],
  lr: number,
  maxScale: number,
): StepScales {
  const descent = new Float32Array(scales.log.length);
  for (const taskCredits of credits) {
    let offset = 0;
    for (const { from, to, gradient } of taskCredits) {
      for (let i = 0; i < to.length; i++) {
        descent[offset + i]! -= (gradient[i]! * (to[i]! - from[i]!)) / credits.length;
      }
      offset += to.length;
    }
    if (offset !== descent.length) {
      throw new Error(`stepScalesStep: credits cover ${offset} log scales, the state has ${descent.length}`);
    }
  }
  const { params, state } = adamStep(scales.log, descent, scales.adam, lr);
  const bound = Math.log(maxScale);
  for (let j = 0; j < params.length; j++) params[j] = Math.min(bound, Math.max(-bound, params[j]!));
  return { log: params, adam: state };
}
