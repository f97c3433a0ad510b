/**
 * A dense layer, `activation(x W + b)`, as one differentiable op on the wasm backend, for the PPO update's speed
 * (`npm run bench -- learn --sections update`):
 * - one fused matMul + bias kernel forward, and one tape entry a layer instead of three (matMul, add, activation);
 * - tanh as 2 sigmoid(2 z) - 1: tfjs-backend-wasm's Tanh kernel is ~10x slower than its (XNNPACK) Sigmoid, which
 *   fuses into the matMul; the two agree to float32 rounding (~1e-7 absolute);
 * - its gradient transposes explicitly: backprop through `tf.matMul` sets transposeA / transposeB, and wasm runs a
 *   flagged matMul on a slow path, 8-9x slower than a transpose then a plain matMul for 500x100 by 100x100.
 * Other backends (cpu, tfjs-node) keep tfjs's own ops and gradients. `setFusedDenseLayers(false)` gives the layer as
 * it was before fusing (matMul with the explicit-transpose gradient, add, activation): the benchmark's baseline.
 */
import * as tf from '@tensorflow/tfjs';

export type LayerActivation = 'tanh' | 'relu' | 'linear';

let fusedOnWasm = true;

/** Use the fused op on wasm (default) or tfjs's plain ops everywhere (benchmarks compare the two). */
export function setFusedDenseLayers(on: boolean): void {
  fusedOnWasm = on;
}

function plainLayer(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: LayerActivation,
): tf.Tensor2D {
  const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  return activation === 'tanh' ? tf.tanh(z) : activation === 'relu' ? tf.relu(z) : z;
}

function fusedForward(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: LayerActivation,
): tf.Tensor2D {
  if (activation !== 'tanh') return tf.fused.matMul({ a: x, b: w, bias: b, activation }) as tf.Tensor2D;
  const s = tf.fused.matMul({ a: x, b: tf.mul(w, 2), bias: tf.mul(b, 2), activation: 'sigmoid' });
  return tf.sub(tf.mul(s, 2), 1) as tf.Tensor2D;
}

/** d loss / d (x W + b) from d loss / d y and the layer's output y. */
export function preActivationGrad(dy: tf.Tensor2D, y: tf.Tensor2D, activation: LayerActivation): tf.Tensor2D {
  if (activation === 'tanh') return tf.mul(dy, tf.sub(1, tf.square(y)));
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  return dy;
}

const fusedLayers = {
  tanh: fusedLayerOp('tanh'),
  relu: fusedLayerOp('relu'),
  linear: fusedLayerOp('linear'),
};

function fusedLayerOp(activation: LayerActivation) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = fusedForward(x, w, b, activation);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [xs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = preActivationGrad(dy as tf.Tensor2D, ys, activation);
        return [tf.matMul(dz, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dz), tf.sum(dz, 0)];
      },
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
}

const useFused = () => fusedOnWasm && tf.getBackend() === 'wasm';

/** `activation(x W + b)` for x [N, in], W [in, out], b [out]. */
export function denseLayer(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: LayerActivation,
): tf.Tensor2D {
  return useFused() ? fusedLayers[activation](x, w, b) : plainLayer(x, w, b, activation);
}

/** The layer's output with no gradient recorded (callers that write their own backward pass): the same kernels. */
export function denseForward(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: LayerActivation,
): tf.Tensor2D {
  return useFused() ? fusedForward(x, w, b, activation) : plainLayer(x, w, b, activation);
}
