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
});
