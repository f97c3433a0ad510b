/**
 * `x W` for a dense layer, differentiated without matMul's transpose flags.
 *
 * Backprop through `tf.matMul(x, W)` computes `dx = dy W^T` and `dW = x^T dy` with transposeB / transposeA set, and
 * tfjs-backend-wasm runs a flagged matMul on a slow path: 8-9x slower than an explicit transpose followed by a plain
 * matMul for a 500x100 by 100x100 product, which makes a whole backward pass through a 17-100-100-6 MLP 4-5x slower
 * (`npm run bench -- learn --sections speed`, "wasm backward" rows). On the
 * wasm backend this layer's gradient transposes explicitly; other backends keep tfjs's own gradient (the cpu
 * backend is no faster with the explicit transpose, and native TensorFlow handles the flags itself).
 */
import * as tf from '@tensorflow/tfjs';

const explicitTransposeMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(ws)), tf.matMul(tf.transpose(xs), g)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

export function denseMatMul(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.getBackend() === 'wasm' ? explicitTransposeMatMul(x, w) : tf.matMul(x, w);
}
