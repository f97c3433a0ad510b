import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { gatherRows } from '../../src/agents/gather-rows.js';
import { clipScale, HostAdam, ppoAdam } from '../../src/agents/host-adam.js';
import { Rng } from '../../src/core/rng.js';

const SHAPES: number[][] = [[3, 4], [4], [4, 2], [2], [1]];

function randomValues(rng: Rng, scale: number): number[][] {
  return SHAPES.map((shape) =>
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
  );
}

/** Adam as Kingma and Ba define it, in float64, the gradient multiplied by `scale` first. */
function referenceAdam(lr: number, b1: number, b2: number, eps: number) {
  let m: number[] = [];
  let v: number[] = [];
  let t = 0;
  return (theta: number[], grad: number[], scale: number): number[] => {
    const g = grad.map((x) => x * scale);
    if (t === 0) [m, v] = [g.map(() => 0), g.map(() => 0)];
    t += 1;
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
    return theta.map((x, i) => x - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps));
  };
}

describe('HostAdam', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await initBackend('cpu');
  });

  const named = (vars: tf.Variable[], grads: number[][]): tf.NamedTensorMap =>
    Object.fromEntries(vars.map((x, i) => [x.name, tf.tensor(grads[i]!, SHAPES[i])]));
  const flatValues = (vars: tf.Variable[]) => vars.flatMap((x) => Array.from(x.dataSync()));

  it("steps as Adam's definition over 6 steps with scales, an annealed rate, and a variable assigned from outside", () => {
    const rng = new Rng(1);
    const init = randomValues(rng, 1);
    const vars = init.map((values, i) => tf.variable(tf.tensor(values, SHAPES[i])));
    const adam = new HostAdam(0.01, 0.9, 0.999, 1e-5);
    const reference = referenceAdam(0.01, 0.9, 0.999, 1e-5);
    let expected = init.flat();
    let lr = 0.01;
    for (let step = 0; step < 6; step++) {
      const grads = randomValues(rng, 0.03 * 3 ** step);
      const tensors = named(vars, grads);
      const norm = adam.squaredNorm(vars, tensors);
      expect(norm).toBeCloseTo(
        grads.flat().reduce((s, g) => s + Math.fround(g) ** 2, 0),
        9,
      );
      const scale = Math.min(1, 0.5 / Math.sqrt(norm));
      adam.stepWithScale(vars, tensors, scale);
      tf.dispose(Object.values(tensors));
      expected = stepWith(reference, expected, grads.flat().map(Math.fround), scale, lr, 0.01);
      if (step === 2) {
        // Someone else moves a variable (e.g. a meta step): the next step starts from its new values.
        vars[1]!.assign(tf.tensor([1, 2, 3, 4]));
        expected.splice(12, 4, 1, 2, 3, 4);
      }
      if (step === 3) {
        lr = 0.005;
        adam.learningRate = lr;
      }
      const got = flatValues(vars);
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 6);
    }
    // The steps moved the parameters: the agreement is not of two no-ops.
    expect(Math.abs(flatValues(vars)[0]! - init[0]![0]!)).toBeGreaterThan(0.01);
    adam.dispose();
    tf.dispose(vars);
  });

  it('agrees with tf.train.adam and tfjs-style clipping to float32 rounding', () => {
    const rng = new Rng(3);
    const init = randomValues(rng, 1);
    const make = () => init.map((values, i) => tf.variable(tf.tensor(values, SHAPES[i])));
    const [a, b] = [make(), make()];
    const host = new HostAdam(0.003, 0.9, 0.999, 1e-5);
    const tfAdam = tf.train.adam(0.003, 0.9, 0.999, 1e-5);
    for (let step = 0; step < 5; step++) {
      const grads = randomValues(rng, 1);
      const ta = named(a, grads);
      host.stepWithScale(a, ta, Math.min(1, 0.5 / (Math.sqrt(host.squaredNorm(a, ta)) + 1e-6)));
      const tb = named(b, grads);
      tf.tidy(() => {
        const norm = tf.sqrt(tf.addN(Object.values(tb).map((g) => g.square().sum())));
        const scale = tf.minimum(1, tf.div(0.5, norm.add(1e-6)));
        tfAdam.applyGradients(Object.fromEntries(Object.entries(tb).map(([k, g]) => [k, g.mul(scale)])));
      });
      tf.dispose([...Object.values(ta), ...Object.values(tb)]);
    }
    const [got, want] = [flatValues(a), flatValues(b)];
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    expect(Math.max(...got.map((x, i) => Math.abs(x - init.flat()[i]!)))).toBeGreaterThan(0.01);
    host.dispose();
    tfAdam.dispose();
    tf.dispose([...a, ...b]);
  });

  it('refuses a step over a different number of parameters', () => {
    const rng = new Rng(4);
    const vars = randomValues(rng, 1).map((values, i) => tf.variable(tf.tensor(values, SHAPES[i])));
    const adam = new HostAdam(0.1);
    const grads = named(vars, randomValues(rng, 1));
    adam.stepWithScale(vars, grads, 1);
    expect(() => adam.stepWithScale(vars.slice(1), grads, 1)).toThrow('HostAdam: 15 parameters after 27');
    adam.dispose();
    tf.dispose([...vars, ...Object.values(grads)]);
  });

  it('an optimizer restored from moments() continues as the one that wrote them', () => {
    const rng = new Rng(6);
    const init = randomValues(rng, 1);
    const grads = [0, 1, 2, 3].map(() => randomValues(rng, 0.1));
    const make = () => init.map((values, i) => tf.variable(tf.tensor(values, SHAPES[i])));
    const [a, b] = [make(), make()];
    const straight = new HostAdam(0.01);
    for (const g of grads) straight.stepWithScale(a, named(a, g), 0.7);
    const first = new HostAdam(0.01);
    expect(first.moments()).toBeNull();
    for (const g of grads.slice(0, 2)) first.stepWithScale(b, named(b, g), 0.7);
    const moments = first.moments()!;
    first.dispose();
    expect(moments.t).toBe(2);
    const second = new HostAdam(0.01);
    second.restore(moments);
    for (const g of grads.slice(2)) second.stepWithScale(b, named(b, g), 0.7);
    expect(flatValues(b)).toEqual(flatValues(a));
    expect(second.moments()).toEqual(straight.moments());
    // The restored copy is the optimizer's own: changing the state handed in changes nothing.
    moments.m.fill(0);
    expect(second.moments()!.m).toEqual(straight.moments()!.m);
    expect(() => second.restore({ t: 1, m: new Float64Array(2), v: new Float64Array(3) })).toThrow(
      'HostAdam: moments of 2 and 3 values',
    );
    for (const adam of [straight, second]) adam.dispose();
    tf.dispose([...a, ...b]);
  });

  it("clips by the global norm's factor, and PPO's Adam is CleanRL's", () => {
    expect(clipScale(0.2, 0.5)).toBe(1);
    expect(clipScale(0.16, 0.5)).toBe(1);
    expect(clipScale(4, 0.5)).toBeCloseTo(0.5 / 2.000001, 12);
    const adam = ppoAdam(3e-4);
    expect([adam.learningRate, adam.beta1, adam.beta2, adam.epsilon]).toEqual([3e-4, 0.9, 0.999, 1e-5]);
  });

  it('leaves no tensor behind and refuses a missing gradient', () => {
    const rng = new Rng(2);
    const vars = randomValues(rng, 1).map((values, i) => tf.variable(tf.tensor(values, SHAPES[i])));
    const grads = named(vars, randomValues(rng, 1));
    const before = tf.memory().numTensors;
    const adam = new HostAdam(0.1);
    adam.stepWithScale(vars, grads, 1);
    adam.stepWithScale(vars, grads, 0.5);
    expect(tf.memory().numTensors).toBe(before);
    const missing = { ...grads };
    delete missing[vars[2]!.name];
    expect(() => adam.squaredNorm(vars, missing)).toThrow(`no gradient for variable ${vars[2]!.name}`);
    tf.dispose([...vars, ...Object.values(grads)]);
  });
});

/** The reference's step with the learning rate `lr` (it was built with `built`): scales the step by lr / built. */
function stepWith(
  reference: (theta: number[], grad: number[], scale: number) => number[],
  theta: number[],
  grad: number[],
  scale: number,
  lr: number,
  built: number,
): number[] {
  const next = reference(theta, grad, scale);
  return next.map((x, i) => theta[i]! + ((x - theta[i]!) * lr) / built);
}

describe('host minibatches', () => {
  it('gathers rows in index order', () => {
    const source = Float32Array.from({ length: 12 }, (_, i) => i * 1.5 - 4);
    const idx = Int32Array.from([3, 0, 2]);
    expect(Array.from(gatherRows(source, 3, idx))).toEqual([
      ...source.slice(9, 12),
      ...source.slice(0, 3),
      ...source.slice(6, 9),
    ]);
    expect(Array.from(gatherRows(source, 1, Int32Array.from([11, 4])))).toEqual([source[11], source[4]]);
  });
});
