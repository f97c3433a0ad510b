import { describe, expect, it } from 'vitest';
import {
  adaptationCredits,
  stepMultipliers,
  stepScalesInit,
  stepScalesStep,
  updateMultipliers,
} from '../../src/meta/meta-sgd.js';

// Meta-SGD's algebra on hand-made vectors, without a training run (those are in meta-sgd.test.ts).
const f32 = (...xs: number[]) => Float32Array.from(xs);

describe('Meta-SGD step sizes, by hand', () => {
  it('start at s = 0 (multiplier 1) with fresh Adam moments, one vector per learned step', () => {
    const scales = stepScalesInit(3, 2);
    expect(Array.from(scales.log)).toEqual([0, 0, 0, 0, 0, 0]);
    expect([scales.adam.m.length, scales.adam.v.length, scales.adam.t]).toEqual([6, 6, 0]);
    expect(stepScalesInit(2).log).toHaveLength(2);
  });

  it('multipliers are exp(s), split into one numParams-vector per step in order', () => {
    const scales = { ...stepScalesInit(2, 2), log: f32(0, Math.log(2), Math.log(0.5), 1) };
    const [first, second, ...rest] = stepMultipliers(scales, 2);
    expect(rest).toHaveLength(0);
    expect(first![0]).toBe(1);
    expect(first![1]).toBeCloseTo(2, 6);
    expect(second![0]).toBeCloseTo(0.5, 6);
    expect(second![1]).toBeCloseTo(Math.E, 6);
    expect(() => stepMultipliers(scales, 3)).toThrow(
      'stepMultipliers: 4 log scales are not a whole number of 3-vectors',
    );
    expect(() => stepMultipliers(scales, 5)).toThrow('not a whole number of 5-vectors');
    // Zero vectors is a whole number, but no step size at all.
    expect(() => stepMultipliers({ ...scales, log: f32() }, 2)).toThrow(
      'stepMultipliers: 0 log scales are not a whole number of 2-vectors',
    );
  });

  it('the mean credit over tasks is ascended: tasks pulling two ways cancel', () => {
    const from = f32(0, 0);
    const credit = (g: number[]) => [{ from, to: f32(1, 1), gradient: f32(...g) }];
    // Task credits (3, 1) and (-3, 1): the mean (0, 1) moves only the second log step size.
    const next = stepScalesStep(stepScalesInit(2), [credit([3, 1]), credit([-3, 1])], 0.125, 10);
    expect(next.log[0]).toBe(0);
    expect(next.log[1]).toBeCloseTo(0.125, 6);
  });

  it('the credit is a mean over tasks, not a sum: a task counted twice steps as once, even with Adam history', () => {
    const credit = [{ from: f32(0, 0), to: f32(1, 1), gradient: f32(3, -1) }];
    // Adam's step is invariant to one scale of every gradient, so the test starts from moments of another size.
    const history = stepScalesStep(stepScalesInit(2), [[{ ...credit[0]!, gradient: f32(-1, 2) }]], 0.125, 10);
    const once = stepScalesStep(history, [credit], 0.125, 10);
    const twice = stepScalesStep(history, [credit, credit], 0.125, 10);
    expect(Array.from(twice.log)).toEqual(Array.from(once.log));
    expect(Array.from(twice.adam.v)).toEqual(Array.from(once.adam.v));
  });

  it("each update's multipliers: update u takes Meta-SGD's u-th vector (the last past the end) times its own factor", () => {
    const [a, b, c, ...rest] = updateMultipliers([f32(1, 2), f32(4, 0.5)], [2, 0.5, 3], 2);
    expect(rest).toHaveLength(0);
    expect([Array.from(a!), Array.from(b!), Array.from(c!)]).toEqual([
      [2, 4],
      [2, 0.25],
      [12, 1.5],
    ]);
    // Without Meta-SGD, the factors alone.
    expect(updateMultipliers(null, [2, 0.5], 3).map((m) => Array.from(m))).toEqual([
      [2, 2, 2],
      [0.5, 0.5, 0.5],
    ]);
  });

  it("a task's credits are each update times the gradient after it: read back inside the path, measured at its end", () => {
    // theta_0 = (0, 0) -> theta_1 = (1, 2) -> theta_2 = (1.5, 1): updates (1, 2) and (0.5, -1).
    // alpha 0.5, multipliers (1, 2) then (1, 1): the gradient after update 1 is (0.5, -1) / (0.5 (1, 1)) = (1, -2).
    const adaptation = { path: [f32(0, 0), f32(1, 2)], adapted: f32(1.5, 1), finalGradient: f32(4, 3) };
    const multipliers = [f32(1, 2), f32(1, 1)];
    const perStep = adaptationCredits(adaptation, multipliers, 0.5, 2, true);
    expect(perStep.map((c) => [Array.from(c.from), Array.from(c.to), Array.from(c.gradient)])).toEqual([
      [
        [0, 0],
        [1, 2],
        [1, -2],
      ],
      [
        [1, 2],
        [1.5, 1],
        [4, 3],
      ],
    ]);
    const shared = adaptationCredits(adaptation, multipliers, 0.5, 2, false);
    expect(shared).toHaveLength(1);
    expect(Array.from(shared[0]!.gradient)).toEqual([4, 3]);
    // Reaching one update less (FOMAML), update 2 is only read back as the gradient after update 1.
    const fomaml = adaptationCredits({ ...adaptation, finalGradient: null }, multipliers, 0.5, 1, false);
    expect(Array.from(fomaml[0]!.to)).toEqual([1, 2]);
    expect(Array.from(fomaml[0]!.gradient)).toEqual([1, -2]);
    // Past the vectors learned, the last one is used: one vector (1, 2) for both updates.
    const oneVector = adaptationCredits(adaptation, [f32(1, 2)], 0.5, 1, false);
    expect(Array.from(oneVector[0]!.gradient)).toEqual([1, -1]);
    expect(() =>
      adaptationCredits({ ...adaptation, finalGradient: null }, multipliers, 0.5, 2, false),
    ).toThrow('adaptationCredits: no gradient measured after the last update');
  });
});
