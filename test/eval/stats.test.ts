import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval95,
  mean,
  normalizedScore,
  sampleStd,
  studentTQuantile,
  tInterval95,
} from '../../src/meta/eval/stats.js';

describe('eval statistics', () => {
  it("Student's t quantiles match the tables", () => {
    // t_{0.975, df} from any statistics table.
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 4);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764, 4);
    expect(studentTQuantile(0.975, 39)).toBeCloseTo(2.0227, 4);
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.2622, 4);
  });

  it('the 95 % CI of a hand-made sample is mean +- t * s / sqrt(n)', () => {
    // 1..5: mean 3, s = sqrt(2.5), s / sqrt(5) = 0.70711, t_{0.975,4} = 2.77645 -> half-width 1.96324.
    const sample = [1, 2, 3, 4, 5];
    expect(mean(sample)).toBe(3);
    expect(sampleStd(sample)).toBeCloseTo(Math.sqrt(2.5), 12);
    const [lo, hi] = tInterval95(sample);
    expect(lo).toBeCloseTo(1.03676, 4);
    expect(hi).toBeCloseTo(4.96324, 4);
    // Returns: mean -30, deviations 10, 5, -5, -10, s = sqrt(250 / 3) = 9.12871, s / 2 = 4.56435,
    // t_{0.975,3} = 3.18245 -> half-width 14.52581.
    const [lo2, hi2] = tInterval95([-20, -25, -35, -40]);
    expect(lo2).toBeCloseTo(-44.52581, 4);
    expect(hi2).toBeCloseTo(-15.47419, 4);
    expect(tInterval95([7])).toEqual([7, 7]);
  });

  it('the bootstrap CI is seeded and agrees with the t interval on a large sample', () => {
    const sample = Array.from({ length: 200 }, (_, i) => Math.sin(i * 12.9898) * 10);
    const a = bootstrapInterval95(sample, 7);
    expect(bootstrapInterval95(sample, 7)).toEqual(a);
    expect(bootstrapInterval95(sample, 8)).not.toEqual(a);
    const t = tInterval95(sample);
    const width = t[1] - t[0];
    expect(Math.abs(a[0] - t[0])).toBeLessThan(0.15 * width);
    expect(Math.abs(a[1] - t[1])).toBeLessThan(0.15 * width);
  });

  it('norm is 0 at the random init, 1 at the oracle, null without an oracle', () => {
    expect(normalizedScore(-100, -100, -20)).toBe(0);
    expect(normalizedScore(-20, -100, -20)).toBe(1);
    expect(normalizedScore(-40, -100, -20)).toBeCloseTo(0.75, 12);
    expect(normalizedScore(-40, -100, null)).toBeNull();
    expect(normalizedScore(-40, -100, -120)).toBeNull();
  });
});
