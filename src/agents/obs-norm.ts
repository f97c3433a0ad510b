/**
 * Running observation statistics (per-dimension mean and variance, Chan et al.'s parallel update), the part of a
 * policy's state that is data rather than weights. Observations are normalized as
 * clip((obs - mean) / sqrt(var + OBS_NORM_EPS), -OBS_NORM_CLIP, OBS_NORM_CLIP).
 */

export const OBS_NORM_EPS = 1e-8;
export const OBS_NORM_CLIP = 10;

/** Plain data: safe to JSON, to send to a worker, to write in a checkpoint. */
export interface ObsNormState {
  mean: number[];
  var: number[];
  /** Number of observations folded in so far (0: identity normalization, mean 0 and var 1). */
  count: number;
}

export function initialObsNorm(obsDim: number): ObsNormState {
  return { mean: new Array(obsDim).fill(0), var: new Array(obsDim).fill(1), count: 0 };
}

/** Merges two sets of statistics as if all their observations had been seen by one (order-independent). */
export function mergeObsNorm(a: ObsNormState, b: ObsNormState): ObsNormState {
  if (b.count === 0) return cloneObsNorm(a);
  if (a.count === 0) return cloneObsNorm(b);
  const count = a.count + b.count;
  const mean = a.mean.map((m, i) => m + ((b.mean[i]! - m) * b.count) / count);
  const variance = a.var.map((v, i) => {
    const delta = b.mean[i]! - a.mean[i]!;
    return (v * a.count + b.var[i]! * b.count + ((delta * delta * a.count) / count) * b.count) / count;
  });
  return { mean, var: variance, count };
}

/** The statistics of a batch of `n = batch.length / obsDim` observations (population variance). */
export function batchObsNorm(batch: Float32Array, obsDim: number): ObsNormState {
  const n = batch.length / obsDim;
  const mean = new Float64Array(obsDim);
  const sq = new Float64Array(obsDim);
  for (let r = 0; r < n; r++) for (let j = 0; j < obsDim; j++) mean[j]! += batch[r * obsDim + j]!;
  for (let j = 0; j < obsDim; j++) mean[j] = n > 0 ? mean[j]! / n : 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < obsDim; j++) {
      const d = batch[r * obsDim + j]! - mean[j]!;
      sq[j]! += d * d;
    }
  }
  return {
    mean: Array.from(mean),
    var: Array.from(sq, (s) => (n > 0 ? s / n : 1)),
    count: n,
  };
}

export function cloneObsNorm(state: ObsNormState): ObsNormState {
  return { mean: [...state.mean], var: [...state.var], count: state.count };
}

/** Writes the normalized rows of `obs` into `out` (same length); `enabled = false` copies. */
export function normalizeObs(
  state: ObsNormState,
  obs: Float32Array,
  out: Float32Array,
  enabled: boolean,
): Float32Array {
  if (!enabled) {
    out.set(obs);
    return out;
  }
  const dim = state.mean.length;
  const invStd = state.var.map((v) => 1 / Math.sqrt(v + OBS_NORM_EPS));
  for (let i = 0; i < obs.length; i++) {
    const j = i % dim;
    const z = (obs[i]! - state.mean[j]!) * invStd[j]!;
    out[i] = z < -OBS_NORM_CLIP ? -OBS_NORM_CLIP : Math.min(z, OBS_NORM_CLIP);
  }
  return out;
}
