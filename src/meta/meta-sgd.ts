/**
 * Meta-SGD (Li et al. 2017, "Meta-SGD: Learning to Learn Quickly for Few-Shot Learning"), first-order: the inner VPG
 * step of parameter i is alpha * exp(s_i), and s is meta-learned beside the init. The gradient of the return after
 * adaptation with respect to s would need second derivatives; here it is the first-order estimate, a policy gradient
 * after an update times the update itself (`stepCredits`). The gradients come from the measuring batch (Reptile:
 * `finalGradient`) or from the inner updates read back (`readBackGradient`: FOMAML's last update is one).
 *
 * Every function here is pure: inputs are never written.
 */
import { type AdamState, adamInit, adamStep } from './reptile.js';

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

/**
 * One task's credits from its adaptation: `path` the params before each update (theta_0..theta_{K-1}), `adapted`
 * theta_K, `finalGradient` the gradient at theta_K (Reptile; FOMAML reaches K - 1 and reads every gradient back),
 * `multipliers` the vectors its updates used.
 */
export function adaptationCredits(
  adaptation: { path: readonly Float32Array[]; adapted: Float32Array; finalGradient: Float32Array | null },
  multipliers: readonly Float32Array[],
  alpha: number,
  reach: number,
  perStep: boolean,
): StepCredit[] {
  const points = [...adaptation.path, adaptation.adapted];
  const gradientAt = (j: number) => {
    if (j < points.length - 1) {
      return readBackGradient(points, j, multipliers[Math.min(j, multipliers.length - 1)]!, alpha);
    }
    if (!adaptation.finalGradient)
      throw new Error('adaptationCredits: no gradient measured after the last update');
    return adaptation.finalGradient;
  };
  return stepCredits(points, reach, perStep, gradientAt);
}

/**
 * FOMAML's init step without the learned multipliers: the last inner update divided by the multipliers it used,
 * alpha * g (see `metaSgd.initStep`). `update`: the pseudo-gradient built from the scaled updates.
 */
export function unscaledUpdate(update: Float32Array, multipliers: Float32Array): Float32Array {
  if (update.length !== multipliers.length) {
    throw new Error(`unscaledUpdate: ${update.length} numbers, ${multipliers.length} multipliers`);
  }
  return update.map((u, i) => u / multipliers[i]!);
}

/**
 * The per-parameter multipliers each inner update of one task used: Meta-SGD's (update u the u-th vector, the last
 * past the end; none: 1) times that update's own step factor (the learner's `returnGapStep`, from its batch).
 */
export function updateMultipliers(
  multipliers: readonly Float32Array[] | null,
  factors: readonly number[],
  numParams: number,
): Float32Array[] {
  return factors.map((factor, u) => {
    const m = multipliers?.[Math.min(u, multipliers.length - 1)];
    return m ? m.map((x) => x * factor) : new Float32Array(numParams).fill(factor);
  });
}
