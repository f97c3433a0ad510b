/**
 * Ridge regression in closed form, and its cross-validated R^2. No library in the project fits a multivariate linear
 * model (vega-statistics' regressions take one input), and the normal equations of a few context inputs are a few
 * lines: with the inputs standardized on the fit data (Z) and y centred,
 *
 *   w = (Z'Z + lambda I)^-1 Z'(y - mean(y)),   prediction = mean(y) + z w,
 *
 * solved by Gaussian elimination with partial pivoting. An input constant on the fit data gets weight 0.
 */
import { TerrariumError } from '../../core/errors.js';

/**
 * Ridge penalty on the standardized inputs: tiny, so the fit is least squares in all but name (a context linear in
 * the parameter gives R^2 = 1 to 1e-9 from a handful of tasks); it only keeps collinear context numbers solvable.
 */
export const DEFAULT_RIDGE = 1e-6;

export type Predictor = (x: readonly number[]) => number;

export function fitRidge(
  x: readonly (readonly number[])[],
  y: readonly number[],
  lambda = DEFAULT_RIDGE,
): Predictor {
  const n = y.length;
  const dim = x[0]?.length ?? 0;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const yMean = mean([...y]);
  const centres = Array.from({ length: dim }, (_, j) => mean(x.map((row) => row[j]!)));
  const scales = centres.map((c, j) => Math.sqrt(mean(x.map((row) => (row[j]! - c) ** 2))));
  const used = scales.flatMap((s, j) => (s > 1e-12 ? [j] : []));
  const z = x.map((row) => used.map((j) => (row[j]! - centres[j]!) / scales[j]!));
  // Normal equations [Z'Z + lambda I | Z'y] for the inputs that vary.
  const m = used.length;
  const a = Array.from({ length: m }, (_, p) => {
    const row = Array.from({ length: m }, (_, q) => (p === q ? lambda : 0));
    let rhs = 0;
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < m; q++) row[q]! += z[i]![p]! * z[i]![q]!;
      rhs += z[i]![p]! * (y[i]! - yMean);
    }
    return [...row, rhs];
  });
  const w = solve(a, m);
  return (row) => yMean + used.reduce((sum, j, p) => sum + ((row[j]! - centres[j]!) / scales[j]!) * w[p]!, 0);
}

/** Solves the augmented m x (m + 1) system in place (partial pivoting); a singular direction gets weight 0. */
function solve(a: number[][], m: number): number[] {
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / p;
      for (let c = col; c <= m; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return a.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[m]! / row[i]!));
}

/** 1 - sum (y - predicted)^2 / sum (y - mean y)^2; null when y does not vary. */
export function rSquared(y: readonly number[], predicted: readonly number[]): number | null {
  const yMean = y.reduce((a, b) => a + b, 0) / y.length;
  const total = y.reduce((sum, v) => sum + (v - yMean) ** 2, 0);
  if (!(total > 0)) return null;
  const residual = y.reduce((sum, v, i) => sum + (v - predicted[i]!) ** 2, 0);
  return 1 - residual / total;
}

/**
 * k-fold cross-validation: sample i belongs to fold group[i] % folds (samples of one group, e.g. one task's eval
 * seeds, stay in one fold); each fold is predicted by a ridge fit on the others, and R^2 is taken over every
 * sample's out-of-fold prediction.
 */
export function crossValidatedRidge(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: { folds: number; groups?: readonly number[]; lambda?: number },
): { r2: number | null; predicted: number[] } {
  const groups = options.groups ?? y.map((_, i) => i);
  const distinct = new Set(groups).size;
  if (!Number.isInteger(options.folds) || options.folds < 2 || options.folds > distinct) {
    throw new TerrariumError('--folds', options.folds, `an integer in [2, ${distinct}] (the held-out tasks)`);
  }
  const fold = groups.map((g) => g % options.folds);
  const predicted = new Array<number>(y.length).fill(0);
  for (let f = 0; f < options.folds; f++) {
    const fit = fold.flatMap((g, i) => (g === f ? [] : [i]));
    const predict = fitRidge(
      fit.map((i) => x[i]!),
      fit.map((i) => y[i]!),
      options.lambda,
    );
    fold.forEach((g, i) => {
      if (g === f) predicted[i] = predict(x[i]!);
    });
  }
  return { r2: rSquared(y, predicted), predicted };
}
