/** Summaries of a sample shared by training, eval, the demo streams and the benchmarks. */
import { TerrariumError } from './errors.js';

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new TerrariumError('values', '[]', 'a non-empty sample');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The middle value (the mean of the two middle ones for an even count): what benchmarks report on a noisy machine. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new TerrariumError('values', '[]', 'a non-empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Smallest, mean and largest value in one pass (a Float32Array of millions of parameters is fine). */
export function spread(values: ArrayLike<number>): { min: number; mean: number; max: number } {
  if (values.length === 0) throw new TerrariumError('values', '[]', 'a non-empty sample');
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, mean: sum / values.length, max };
}
