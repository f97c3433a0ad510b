import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { crossValidatedRidge, fitRidge, rSquared } from '../../src/meta/eval/ridge.js';

/** n samples of a parameter uniform in [0.5, 2], and a 3-number context made from it by `context`. */
function synthetic(n: number, seed: number, context: (p: number, rng: Rng) => number[]) {
  const rng = new Rng(seed);
  const y = Array.from({ length: n }, () => rng.uniform(0.5, 2));
  return { x: y.map((p) => context(p, rng)), y };
}

describe('ridge regression of a parameter on a context', () => {
  it('a context that is a linear function of the parameter gives out-of-fold R^2 = 1 within 1e-9', () => {
    const { x, y } = synthetic(60, 1, (p) => [3 * p - 1, -0.5 * p + 2, 7]);
    const { r2, predicted } = crossValidatedRidge(x, y, { folds: 5 });
    expect(Math.abs(r2! - 1)).toBeLessThan(1e-9);
    for (const [i, v] of predicted.entries()) expect(v).toBeCloseTo(y[i]!, 4);
  });

  it('a parameter linear in two context numbers together is recovered too', () => {
    // y = c0 + 2 c1 with c0, c1 independent: neither number alone determines it.
    const rng = new Rng(4);
    const x = Array.from({ length: 80 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const y = x.map(([a, b]) => a! + 2 * b!);
    expect(Math.abs(crossValidatedRidge(x, y, { folds: 4 }).r2! - 1)).toBeLessThan(1e-9);
  });

  it('a random context gives R^2 near or below 0', () => {
    for (const seed of [2, 3, 5]) {
      const { x, y } = synthetic(60, seed, (_, rng) => [rng.normal(), rng.normal(), rng.normal()]);
      const { r2 } = crossValidatedRidge(x, y, { folds: 5 });
      expect(r2!).toBeLessThan(0.1);
    }
  });

  it('a noisy linear context lands in between, closer to 1 the less noise', () => {
    const noisy = (sd: number) =>
      crossValidatedRidge(...xy(synthetic(200, 7, (p, rng) => [p + sd * rng.normal(), rng.normal()])), {
        folds: 5,
      }).r2!;
    const [low, high] = [noisy(0.1), noisy(0.5)];
    expect(low).toBeGreaterThan(high);
    expect(high).toBeGreaterThan(0.1);
    expect(low).toBeLessThan(1);
  });

  it("a task's samples stay in one fold, and too many folds are refused naming the flag", () => {
    const { x, y } = synthetic(12, 9, (p) => [p]);
    const groups = y.map((_, i) => Math.floor(i / 3));
    expect(Math.abs(crossValidatedRidge(x, y, { folds: 4, groups }).r2! - 1)).toBeLessThan(1e-9);
    expect(() => crossValidatedRidge(x, y, { folds: 5, groups })).toThrow(
      '--folds: expected an integer in [2, 4] (the held-out tasks), got 5',
    );
  });

  it('R^2 of a constant parameter is null; a constant context predicts the mean', () => {
    expect(rSquared([1, 1, 1], [1, 2, 3])).toBeNull();
    const predict = fitRidge([[5], [5], [5]], [1, 2, 6]);
    expect(predict([5])).toBeCloseTo(3, 12);
  });
});

function xy(data: { x: number[][]; y: number[] }): [number[][], number[]] {
  return [data.x, data.y];
}
