import { describe, expect, it } from 'vitest';
import { mean, median, spread } from '../../src/core/summary.js';

describe('sample summaries', () => {
  it('mean, median (odd and even counts) and spread of hand-made samples', () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(spread(new Float32Array([0.5, -2, 4]))).toEqual({ min: -2, mean: 2.5 / 3, max: 4 });
  });

  it('refuse an empty sample with a line naming it', () => {
    for (const summary of [mean, median, spread]) {
      expect(() => summary([])).toThrow('values: expected a non-empty sample, got "[]"');
    }
  });

  it('median orders numerically, not as text, and leaves its input as it was', () => {
    const values = [10, 9, 100, 1];
    expect(median(values)).toBe(9.5);
    expect(values).toEqual([10, 9, 100, 1]);
    expect(median([10, 2, 9])).toBe(9);
    expect(median([-1, -10, -2])).toBe(-2);
    expect(median([7])).toBe(7);
  });

  it('spread of one value, and of values all above or all below zero', () => {
    expect(spread([3])).toEqual({ min: 3, mean: 3, max: 3 });
    expect(spread([5, 7, 6])).toEqual({ min: 5, mean: 6, max: 7 });
    expect(spread([-5, -7, -6])).toEqual({ min: -7, mean: -6, max: -5 });
  });
});
