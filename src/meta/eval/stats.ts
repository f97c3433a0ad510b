/**
 * The statistics of `terrarium eval`, as small pure functions: means, 95 % confidence intervals and the normalized
 * score of the MAML paper.
 *
 * The CI that eval reports is Student's t interval, mean +- t_{0.975, n-1} * s / sqrt(n), over the held-out tasks
 * (each task's value being its mean over the evaluation seeds), so it says how well the mean over the whole test
 * distribution is pinned down. A percentile bootstrap with a seeded Rng is here too, for skewed samples and as a
 * cross-check; it is not what eval reports.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { TerrariumError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { mean } from '../../core/summary.js';

export type Interval = [number, number];

export { mean };

/** The sample standard deviation (n - 1 in the denominator); 0 for a single value. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (values.length - 1));
}

/** The 95 % Student t interval for the mean; a single value gives [v, v]. */
export function tInterval95(values: readonly number[]): Interval {
  const m = mean(values);
  if (values.length < 2) return [m, m];
  const half = (studentTQuantile(0.975, values.length - 1) * sampleStd(values)) / Math.sqrt(values.length);
  return [m - half, m + half];
}

/** The 95 % percentile-bootstrap interval for the mean, from `resamples` resamples drawn with Rng(seed). */
export function bootstrapInterval95(values: readonly number[], seed: number, resamples = 2000): Interval {
  const n = values.length;
  if (n === 0) throw new TerrariumError('values', '[]', 'a non-empty sample');
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)]!;
    means[b] = sum / n;
  }
  means.sort();
  return [quantileSorted(means, 0.025), quantileSorted(means, 0.975)];
}

/** Linear-interpolation quantile (type 7, as numpy's default) of a sorted sample. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * `norm = (R_k - R_random0) / (R_oracle - R_random0)`: the share of the way from the random init (before any
 * update) to the oracle. Null when there is no oracle or it is no better than random (the ratio would be
 * meaningless).
 */
export function normalizedScore(value: number, random0: number, oracle: number | null): number | null {
  if (oracle === null || !(oracle > random0)) return null;
  return (value - random0) / (oracle - random0);
}

/** Student's t distribution function P(T <= t) with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  return tCdf(t, df);
}

/** The p-quantile of Student's t with `df` degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new TerrariumError('p', p, 'a probability in (0, 1)');
  if (!(df > 0)) throw new TerrariumError('df', df, 'a number > 0');
  return tQuantile(p, df);
}
