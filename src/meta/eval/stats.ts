/**
 * The statistics of `terrarium eval`, as small pure functions: means, 95 % confidence intervals and the normalized
 * score of the MAML paper.
 *
 * The CI that eval reports is Student's t interval, mean +- t_{0.975, n-1} * s / sqrt(n), over the held-out tasks
 * (each task's value being its mean over the evaluation seeds), so it says how well the mean over the whole test
 * distribution is pinned down. A percentile bootstrap with a seeded Rng is here too, for skewed samples and as a
 * cross-check; it is not what eval reports.
 */
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
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the distribution function). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new TerrariumError('p', p, 'a probability in (0, 1)');
  if (!(df > 0)) throw new TerrariumError('df', df, 'a number > 0');
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** I_x(a, b) by its continued fraction (Numerical Recipes' betacf, modified Lentz). */
function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedIncompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = g[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += g[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
