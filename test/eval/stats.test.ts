import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval95,
  mean,
  normalizedScore,
  quantileSorted,
  sampleStd,
  studentTCdf,
  studentTQuantile,
  tInterval95,
} from '../../src/meta/eval/stats.js';

describe('eval statistics', () => {
  it("Student's t quantiles match the tables", () => {
    // t_{0.975, df} from any statistics table, to 9 digits (R's qt gives the same).
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736, 9);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.30265273, 9);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776445105, 9);
    expect(studentTQuantile(0.975, 39)).toBeCloseTo(2.02269092, 9);
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.262157163, 9);
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

  it('a single value has standard deviation 0; an all-equal sample a bootstrap interval of that value', () => {
    expect(sampleStd([7])).toBe(0);
    expect(bootstrapInterval95([2.5, 2.5, 2.5], 1)).toEqual([2.5, 2.5]);
    expect(() => bootstrapInterval95([], 1)).toThrow('values: expected a non-empty sample, got "[]"');
  });

  it('quantiles interpolate linearly between order statistics (numpy type 7)', () => {
    const sorted = [1, 2, 3, 4];
    // position (n - 1) q: 0, 0.75, 1.5, 2.7, 3
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 0.25)).toBe(1.75);
    expect(quantileSorted(sorted, 0.5)).toBe(2.5);
    expect(quantileSorted(sorted, 0.9)).toBeCloseTo(3.7, 12);
    expect(quantileSorted(sorted, 1)).toBe(4);
  });

  it('norm is null when the oracle only ties the random init', () => {
    expect(normalizedScore(-40, -100, -100)).toBeNull();
  });

  it("Student's t distribution function matches its closed forms (df 1 and 2) and its integral (df 0.5)", () => {
    for (const t of [-30, -3, -0.3, 0, 0.2, 1, 5, 40]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 10);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 10);
    }
    // df 0.5: 1/2 + the integral of the density Gamma(3/4) / (sqrt(pi / 2) Gamma(1/4)) (1 + 2 u^2)^(-3/4), Simpson.
    const gamma14 = 3.625609908221908;
    const gamma34 = 1.225416702465178;
    const density = (u: number) => (gamma34 / (Math.sqrt(Math.PI / 2) * gamma14)) * (1 + 2 * u * u) ** -0.75;
    const steps = 2000;
    const h = 1 / steps;
    let integral = density(0) + density(1);
    for (let i = 1; i < steps; i++) integral += (i % 2 ? 4 : 2) * density(i * h);
    expect(studentTCdf(1, 0.5)).toBeCloseTo(0.5 + (integral * h) / 3, 8);
  });

  it('refuses a probability outside (0, 1) and degrees of freedom <= 0, naming them', () => {
    for (const p of [0, 1, -0.5, 1.5, Number.NaN]) {
      expect(() => studentTQuantile(p, 3)).toThrow(/^p: expected a probability in \(0, 1\)/);
    }
    for (const df of [0, -2, Number.NaN]) {
      expect(() => studentTQuantile(0.5, df)).toThrow(/^df: expected a number > 0/);
    }
    expect(studentTQuantile(0.5, 3)).toBeCloseTo(0, 12);
  });
});
