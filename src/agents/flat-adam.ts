import * as tf from '@tensorflow/tfjs';
import { HostAdam } from './host-adam.js';

/**
 * Adam (Kingma and Ba 2015) over all of a model's variables as one flat vector, with optional clipping of the
 * gradient by its global norm first. The arithmetic is tf.train.adam's: moments m = b1 m + (1 - b1) g and
 * v = b2 v + (1 - b2) g^2, bias-corrected m / (1 - b1^t) and v / (1 - b2^t), the step
 * -lr m_hat / (sqrt(v_hat) + epsilon). Why not tf.train.adam: it runs about 17 kernels a variable (a policy and its
 * value net have 13), and on wasm a kernel call costs more than a small layer's arithmetic; here a step is one concat,
 * one split and a dozen kernels on the flat vector, plus an add and an assign a variable.
 */
/** What a learner's update needs of an optimizer: one step of the variables along their (clipped) gradients. */
export interface ParameterStep {
  step(variables: tf.Variable[], grads: tf.NamedTensorMap, maxGradNorm?: number): void;
}

/** An optimizer that takes the gradient's scale from its caller (PPO's two halves share one clip factor). */
export interface ScaledStep {
  learningRate: number;
  /** The squared norm of `grads` (one gradient a variable, by name): this half's share of the global clip. */
  squaredNorm(variables: tf.Variable[], grads: tf.NamedTensorMap): number;
  stepWithScale(variables: tf.Variable[], grads: tf.NamedTensorMap, scale: number): void;
  dispose(): void;
}

export class FlatAdam implements ParameterStep, ScaledStep {
  /** Read at each step, so setting it between steps anneals the rate. */
  learningRate: number;
  private moments: { m: tf.Variable; v: tf.Variable } | null = null;
  private sizes: number[] = [];
  private t = 0;

  constructor(
    learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    this.learningRate = learningRate;
  }

  /** Steps `variables` along `grads` (one gradient a variable, by name); clips the gradient's norm to `maxGradNorm`. */
  step(variables: tf.Variable[], grads: tf.NamedTensorMap, maxGradNorm?: number): void {
    this.stepScaled(variables, grads, maxGradNorm === undefined ? undefined : { maxGradNorm });
  }

  squaredNorm(variables: tf.Variable[], grads: tf.NamedTensorMap): number {
    return sumOfSquares(variables.map((x) => grads[x.name]!));
  }

  /**
   * As `step`, with the gradient multiplied by `scale` first, a number the caller computed: e.g. the clip factor of
   * a global norm over parameters that two optimizers share (`clipScale`).
   */
  stepWithScale(variables: tf.Variable[], grads: tf.NamedTensorMap, scale: number): void {
    this.stepScaled(variables, grads, { scale });
  }

  private stepScaled(
    variables: tf.Variable[],
    grads: tf.NamedTensorMap,
    clip: { maxGradNorm: number } | { scale: number } | undefined,
  ): void {
    const sizes = variables.map((x) => x.size);
    if (this.moments && sizes.join() !== this.sizes.join()) {
      throw new Error(`FlatAdam: variables of sizes [${sizes}] after [${this.sizes}]`);
    }
    this.sizes = sizes;
    const total = sizes.reduce((a, b) => a + b, 0);
    // In a tidy, so the zeros each variable starts from are freed with it (a variable outlives the tidy).
    const zeros = () => tf.tidy(() => tf.variable(tf.zeros([total]), false));
    this.moments ??= { m: zeros(), v: zeros() };
    const { m, v } = this.moments;
    this.t += 1;
    const { beta1, beta2, epsilon, t } = this;
    tf.tidy(() => {
      let g = tf.concat(
        variables.map((x) => {
          const grad = grads[x.name];
          if (!grad) throw new Error(`FlatAdam: no gradient for variable ${x.name}`);
          return grad.reshape([-1]);
        }),
      );
      if (clip && 'maxGradNorm' in clip) {
        const norm = g.square().sum().sqrt();
        g = g.mul(tf.minimum(1, tf.div(clip.maxGradNorm, norm.add(1e-6))));
      } else if (clip && clip.scale !== 1) {
        g = g.mul(clip.scale);
      }
      const newM = m.mul(beta1).add(g.mul(1 - beta1));
      const newV = v.mul(beta2).add(g.square().mul(1 - beta2));
      m.assign(newM);
      v.assign(newV);
      const mHat = newM.div(1 - beta1 ** t);
      const vHat = newV.div(1 - beta2 ** t);
      const update = mHat.div(vHat.sqrt().add(epsilon)).mul(-this.learningRate);
      const pieces = tf.split(update, sizes);
      variables.forEach((x, i) => {
        x.assign(x.add(pieces[i]!.reshape(x.shape)));
      });
    });
  }

  dispose(): void {
    if (this.moments) tf.dispose([this.moments.m, this.moments.v]);
    this.moments = null;
  }
}

/** The sum of squares of `grads`' entries (a float32 sum per tensor, added in float64). */
export function sumOfSquares(grads: tf.Tensor[]): number {
  const sums = tf.tidy(() => tf.stack(grads.map((g) => tf.sum(tf.square(g)))));
  const values = sums.dataSync();
  sums.dispose();
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** The factor that clips a gradient of squared norm `sumSq` to norm `maxGradNorm` (1 when it is within). */
export function clipScale(sumSq: number, maxGradNorm: number): number {
  return Math.min(1, maxGradNorm / (Math.sqrt(sumSq) + 1e-6));
}

/** PPO's Adam: CleanRL's epsilon 1e-5, on the host (host-adam.ts). */
export function ppoAdam(learningRate: number): HostAdam {
  return new HostAdam(learningRate, 0.9, 0.999, 1e-5);
}
