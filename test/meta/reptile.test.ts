import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adamInit,
  adamStep,
  addScaledMean,
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

describe('the pieces of the meta step, at their edges', () => {
  it('addScaledMean is base + scale * mean_i(v_i) and refuses a vector of another length', () => {
    const base = f32(1, 2);
    expect(Array.from(addScaledMean(base, [f32(2, 0), f32(0, 4)], -0.5))).toEqual([0.5, 1]);
    expect(Array.from(base)).toEqual([1, 2]);
    expect(() => addScaledMean(base, [f32(1)], 1)).toThrow('addScaledMean: length 1, expected 2');
  });

  it('meanDelta and fomamlGradient refuse an empty meta-batch and mismatched vectors', () => {
    expect(() => meanDelta(f32(1), [])).toThrow('meanDelta: need at least one adapted parameter vector');
    expect(() => meanDelta(f32(1, 2), [f32(1, 2), f32(1)])).toThrow(
      'meanDelta: adapted params have length 1, expected 2',
    );
    const needOne = 'fomamlGradient: need one "before last step" vector per adapted vector';
    expect(() => fomamlGradient([], [])).toThrow(needOne);
    expect(() => fomamlGradient([f32(1)], [f32(1), f32(2)])).toThrow(needOne);
  });

  it('eps stays eps0 before the first iteration and eps1 after the last', () => {
    expect(linearEps(1, 0.5, -3, 5)).toBe(1);
    expect(linearEps(1, 0.5, 9, 5)).toBe(0.5);
    expect(linearEps(0.3, 0.1, 7, 1)).toBe(0.3);
  });

  it("Adam's second step follows Kingma and Ba's moments and bias correction, with the options given", () => {
    // One coordinate, gradients 1 then -2, beta1 0.5, beta2 0.75, epsilon 0.1, lr 0.1.
    const options = { beta1: 0.5, beta2: 0.75, epsilon: 0.1 };
    const first = adamStep(f32(0), f32(1), adamInit(1), 0.1, options);
    // m1 = 0.5, v1 = 0.25: m^ = 1, v^ = 1, step 0.1 / 1.1.
    expect(first.params[0]).toBeCloseTo(-0.1 / 1.1, 6);
    expect(first.state.m[0]).toBe(0.5);
    expect(first.state.v[0]).toBe(0.25);
    const second = adamStep(first.params, f32(-2), first.state, 0.1, options);
    // m2 = 0.25 - 1 = -0.75, v2 = 0.1875 + 1 = 1.1875; m^ = -0.75 / 0.75, v^ = 1.1875 / 0.4375.
    const mHat = -0.75 / (1 - 0.5 ** 2);
    const vHat = 1.1875 / (1 - 0.75 ** 2);
    expect(second.state.m[0]).toBe(-0.75);
    expect(second.state.v[0]).toBe(1.1875);
    expect(second.state.t).toBe(2);
    expect(second.params[0]).toBeCloseTo(-0.1 / 1.1 - (0.1 * mHat) / (Math.sqrt(vHat) + 0.1), 6);
  });

  it('never writes its inputs', () => {
    const theta = f32(1, 2);
    const adapted = [f32(3, 3)];
    const state = adamInit(2);
    reptileGradient(theta, adapted);
    reptileStep(theta, adapted, 0.5);
    adamStep(theta, f32(1, 1), state, 0.1);
    expect(Array.from(theta)).toEqual([1, 2]);
    expect(Array.from(adapted[0]!)).toEqual([3, 3]);
    expect([Array.from(state.m), Array.from(state.v), state.t]).toEqual([[0, 0], [0, 0], 0]);
  });
});
