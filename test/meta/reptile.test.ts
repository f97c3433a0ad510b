import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adamInit,
  adamStep,
  fomamlGradient,
  linearEps,
  meanDelta,
  reptileGradient,
  reptileStep,
  sgdStep,
} from '../../src/meta/reptile.js';

const f32 = (...xs: number[]) => Float32Array.from(xs);

describe('the Reptile meta step', () => {
  it('equals theta + eps * mean(theta_i - theta) on hand-made vectors', () => {
    const theta = f32(1, 2, 3);
    const adapted = [f32(2, 2, 0), f32(0, 4, 3)];
    // deltas: (1, 0, -3) and (-1, 2, 0); mean (0, 1, -1.5)
    expect(Array.from(meanDelta(theta, adapted))).toEqual([0, 1, -1.5]);
    expect(Array.from(reptileStep(theta, adapted, 0.5))).toEqual([1, 2.5, 2.25]);
  });

  it('with epsilon 1 lands on the task average', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, base, salt) => {
          const theta = Float32Array.from(base);
          const adapted = Array.from({ length: n }, (_, i) =>
            theta.map((v, j) => v + Math.sin(salt + i * 7 + j) * 3),
          );
          const average = theta.map((_, j) => adapted.reduce((s, a) => s + a[j]!, 0) / n);
          const stepped = reptileStep(theta, adapted, 1);
          stepped.forEach((v, j) => {
            expect(v).toBeCloseTo(average[j]!, 3);
          });
        },
      ),
    );
  });

  it('with epsilon 0 leaves theta unchanged, and serial Reptile (n = 1) moves towards the one task', () => {
    const theta = f32(0, 0);
    expect(Array.from(reptileStep(theta, [f32(4, -2)], 0))).toEqual([0, 0]);
    expect(Array.from(reptileStep(theta, [f32(4, -2)], 0.25))).toEqual([1, -0.5]);
  });

  it('SGD on the pseudo-gradient theta - mean(theta_i) is the same step', () => {
    const theta = f32(1, -1, 0.5);
    const adapted = [f32(0, 0, 0), f32(3, 1, 2)];
    const viaGrad = sgdStep(theta, reptileGradient(theta, adapted), 0.3);
    const direct = reptileStep(theta, adapted, 0.3);
    viaGrad.forEach((v, j) => {
      expect(v).toBeCloseTo(direct[j]!, 6);
    });
  });

  it('FOMAML uses only the last inner update of each task', () => {
    const before = [f32(1, 1), f32(0, 2)];
    const after = [f32(0, 1), f32(0, 0)];
    expect(Array.from(fomamlGradient(before, after))).toEqual([0.5, 1]);
  });

  it('Adam on the pseudo-gradient takes a first step of size lr per coordinate', () => {
    const theta = f32(0, 0, 0);
    const grad = f32(2, -0.001, 0);
    const { params, state } = adamStep(theta, grad, adamInit(3), 0.1);
    expect(params[0]).toBeCloseTo(-0.1, 5);
    expect(params[1]).toBeCloseTo(0.1, 3);
    expect(params[2]).toBe(0);
    expect(state.t).toBe(1);
  });
});

describe('epsilon annealing', () => {
  it('goes linearly from eps0 at the first iteration to eps1 at the last', () => {
    expect(linearEps(1, 0, 0, 5)).toBe(1);
    expect(linearEps(1, 0, 1, 5)).toBe(0.75);
    expect(linearEps(1, 0, 2, 5)).toBe(0.5);
    expect(linearEps(1, 0, 4, 5)).toBe(0);
    expect(linearEps(0.1, 0.1, 3, 5)).toBeCloseTo(0.1);
    expect(linearEps(0.5, 0, 0, 1)).toBe(0.5);
  });
});
