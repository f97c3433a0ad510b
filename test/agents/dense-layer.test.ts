import * as tf from '@tensorflow/tfjs';
import { afterEach, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { denseLayer, type LayerActivation, setFusedDenseLayers } from '../../src/agents/dense-layer.js';
import { Rng } from '../../src/core/rng.js';
import { maxRelDiff } from './helpers.js';

afterEach(() => setFusedDenseLayers(true));

it.each(['tanh', 'relu', 'linear'] as LayerActivation[])(
  "on wasm, the fused %s layer's value and gradients (dx, dW, db) match tfjs's plain ops to float32 rounding",
  async (activation) => {
    await initBackend('wasm');
    const rng = new Rng(3);
    const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const x = tf.tensor2d(values(300 * 17), [300, 17]);
    const w = tf.tensor2d(values(17 * 40), [17, 40]).mul(0.3) as tf.Tensor2D;
    const b = tf.tensor1d(values(40));
    const probe = tf.tensor2d(values(300 * 40), [300, 40]);
    const outputAndGrads = (fused: boolean) => {
      setFusedDenseLayers(fused);
      return tf.tidy(() => {
        const loss = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          denseLayer(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, activation)
            .mul(probe)
            .sum();
        const [dx, dw, db] = tf.grads(loss)([x, w, b]);
        return [denseLayer(x, w, b, activation), dx!, dw!, db!].map((t) => t.dataSync() as Float32Array);
      });
    };
    const fused = outputAndGrads(true);
    const plain = outputAndGrads(false);
    fused.forEach((f, i) => {
      expect(f.length).toBe(plain[i]!.length);
      expect(maxRelDiff(f, plain[i]!), `output ${i}`).toBeLessThan(1e-5);
    });
    // The reference itself is right: y[0][0] by hand, and db = column sums of dL/dz.
    const [xs, ws, bs] = [x.dataSync(), w.dataSync(), b.dataSync()];
    let z00 = bs[0]!;
    for (let i = 0; i < 17; i++) z00 += xs[i]! * ws[i * 40]!;
    const y00 = activation === 'tanh' ? Math.tanh(z00) : activation === 'relu' ? Math.max(z00, 0) : z00;
    expect(fused[0]![0]).toBeCloseTo(y00, 5);
    tf.dispose([x, w, b, probe]);
  },
);
