import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { denseMatMul } from '../../src/agents/dense-matmul.js';
import { Rng } from '../../src/core/rng.js';
import { maxRelDiff } from './helpers.js';

it("on wasm, denseMatMul's value and gradients (dx and dW) match tf.matMul's to float32 rounding", async () => {
  await initBackend('wasm');
  const rng = new Rng(3);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const [x, w, probe] = [
    tf.tensor2d(values(300 * 17), [300, 17]),
    tf.tensor2d(values(17 * 40), [17, 40]),
    tf.tensor2d(values(300 * 40), [300, 40]),
  ];
  const outputAndGrads = (mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) =>
    tf.tidy(() => {
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        mm(a as tf.Tensor2D, b as tf.Tensor2D)
          .mul(probe)
          .sum();
      const [dx, dw] = tf.grads(loss)([x, w]);
      return [mm(x, w), dx!, dw!].map((t) => t.dataSync() as Float32Array);
    });
  const ours = outputAndGrads(denseMatMul);
  const reference = outputAndGrads((a, b) => tf.matMul(a, b));
  ours.forEach((o, i) => {
    expect(o.length).toBe(reference[i]!.length);
    expect(maxRelDiff(o, reference[i]!)).toBeLessThan(1e-5);
  });
  // dW must be x^T probe, not something the same size: check one entry by hand.
  const [xs, ps] = [x.dataSync(), probe.dataSync()];
  let dw00 = 0;
  for (let r = 0; r < 300; r++) dw00 += xs[r * 17]! * ps[r * 40]!;
  expect(ours[2]![0]).toBeCloseTo(dw00, 3);
  tf.dispose([x, w, probe]);
});
