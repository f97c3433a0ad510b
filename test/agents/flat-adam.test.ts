import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { FlatAdam } from '../../src/agents/flat-adam.js';
import { Rng } from '../../src/core/rng.js';

// Adam as Kingma and Ba define it (Algorithm 1, epsilon outside the square root as tfjs and PyTorch put it),
// in float64 on plain arrays, with the gradient first scaled to a global norm of at most `maxNorm`.
function referenceAdam(lr: number, b1: number, b2: number, eps: number) {
  let m: number[] = [];
  let v: number[] = [];
  let t = 0;
  return (theta: number[], grad: number[], maxNorm = Number.POSITIVE_INFINITY): number[] => {
    const norm = Math.sqrt(grad.reduce((s, g) => s + g * g, 0));
    const g = grad.map((x) => x * Math.min(1, maxNorm / (norm + 1e-6)));
    if (t === 0) {
      m = g.map(() => 0);
      v = g.map(() => 0);
    }
    t += 1;
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
    return theta.map((x, i) => x - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps));
  };
}

const SHAPES: number[][] = [[3, 4], [4], [4, 2], [2], [1]];

function randomGrads(rng: Rng, scale: number): number[][] {
  return SHAPES.map((shape) =>
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
  );
}

describe('FlatAdam', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await initBackend('cpu');
  });

  const setup = (seed: number) => {
    const rng = new Rng(seed);
    const init = randomGrads(rng, 1);
    const vars = init.map((values, i) => tf.variable(tf.tensor(values, SHAPES[i])));
    return { rng, init, vars };
  };
  const named = (vars: tf.Variable[], grads: number[][]): tf.NamedTensorMap =>
    Object.fromEntries(vars.map((x, i) => [x.name, tf.tensor(grads[i]!, SHAPES[i])]));
  const flatValues = (vars: tf.Variable[]) => vars.flatMap((x) => Array.from(x.dataSync()));

  it('steps every variable as Adam does, over 6 steps with gradients of changing size, clipped or not', () => {
    for (const maxNorm of [undefined, 0.5]) {
      const { rng, init, vars } = setup(maxNorm === undefined ? 1 : 2);
      const adam = new FlatAdam(0.01, 0.9, 0.999, 1e-5);
      const reference = referenceAdam(0.01, 0.9, 0.999, 1e-5);
      let expected = init.flat();
      for (let step = 0; step < 6; step++) {
        // Gradients of norm about 0.1 to 10: clipping at 0.5 acts on some steps and not on others.
        const grads = randomGrads(rng, 0.03 * 3 ** step);
        const tensors = named(vars, grads);
        adam.step(vars, tensors, maxNorm);
        tf.dispose(Object.values(tensors));
        expected = reference(expected, grads.flat(), maxNorm);
        const got = flatValues(vars);
        for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 5);
      }
      adam.dispose();
      tf.dispose(vars);
    }
  });

  it('agrees with tf.train.adam and tfjs-style clipping to float32 rounding', () => {
    const a = setup(3);
    const b = setup(3);
    const flat = new FlatAdam(0.003, 0.9, 0.999, 1e-5);
    const tfAdam = tf.train.adam(0.003, 0.9, 0.999, 1e-5);
    for (let step = 0; step < 5; step++) {
      const grads = randomGrads(a.rng, 1);
      const ta = named(a.vars, grads);
      flat.step(a.vars, ta, 0.5);
      const tb = named(b.vars, grads);
      tf.tidy(() => {
        const norm = tf.sqrt(tf.addN(Object.values(tb).map((g) => g.square().sum())));
        const scale = tf.minimum(1, tf.div(0.5, norm.add(1e-6)));
        tfAdam.applyGradients(Object.fromEntries(Object.entries(tb).map(([k, g]) => [k, g.mul(scale)])));
      });
      tf.dispose([...Object.values(ta), ...Object.values(tb)]);
    }
    const got = flatValues(a.vars);
    const want = flatValues(b.vars);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    // The step moved the parameters (5 steps of lr 0.003 each): the agreement is not of two no-ops.
    expect(Math.max(...got.map((x, i) => Math.abs(x - a.init.flat()[i]!)))).toBeGreaterThan(0.01);
    flat.dispose();
    tfAdam.dispose();
    tf.dispose([...a.vars, ...b.vars]);
  });

  it('reads the learning rate at each step (annealing), and a zero rate leaves the parameters', () => {
    const { rng, init, vars } = setup(4);
    const adam = new FlatAdam(0.1);
    adam.learningRate = 0;
    const grads = named(vars, randomGrads(rng, 1));
    adam.step(vars, grads);
    expect(flatValues(vars)).toEqual(init.flat().map((x) => Math.fround(x)));
    // Adam's first step is lr * sign(g) (bias-corrected m / sqrt(v) = g / |g|), so each parameter moves by lr.
    const fresh = setup(5);
    const first = new FlatAdam(0.25, 0.9, 0.999, 1e-12);
    const g = randomGrads(fresh.rng, 1);
    first.step(fresh.vars, named(fresh.vars, g));
    const moved = flatValues(fresh.vars).map((x, i) => x - fresh.init.flat()[i]!);
    for (const [i, d] of moved.entries()) expect(d).toBeCloseTo(-0.25 * Math.sign(g.flat()[i]!), 5);
    tf.dispose([...vars, ...fresh.vars, ...Object.values(grads)]);
    adam.dispose();
    first.dispose();
  });

  it('keeps its moments out of training and frees them on dispose (also when it never stepped)', () => {
    new FlatAdam(0.1).dispose();
    const { rng, vars } = setup(7);
    const grads = named(vars, randomGrads(rng, 1));
    const before = tf.memory().numTensors;
    const adam = new FlatAdam(0.1);
    adam.step(vars, grads);
    // Two moment vectors were made, as variables that no gradient of "every trainable variable" may reach.
    expect(tf.memory().numTensors).toBe(before + 2);
    const trainable = Object.values(tf.engine().registeredVariables).filter((x) => x.trainable);
    expect(trainable.filter((x) => x.size === 27)).toHaveLength(0); // 27: the parameters' total size
    adam.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...vars, ...Object.values(grads)]);
  });

  it('refuses a missing gradient and a different set of variables', () => {
    const { rng, vars } = setup(6);
    const adam = new FlatAdam(0.1);
    const grads = named(vars, randomGrads(rng, 1));
    adam.step(vars, grads);
    expect(() => adam.step(vars.slice(1), grads)).toThrow(/variables of sizes/);
    const missing = { ...grads };
    delete missing[vars[2]!.name];
    expect(() => adam.step(vars, missing)).toThrow(`no gradient for variable ${vars[2]!.name}`);
    tf.dispose([...vars, ...Object.values(grads)]);
    adam.dispose();
  });
});
