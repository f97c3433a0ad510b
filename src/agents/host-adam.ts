import * as tf from '@tensorflow/tfjs';

/** An optimizer that takes the gradient's scale from its caller (PPO's two halves share one clip factor). */
export interface ScaledStep {
  learningRate: number;
  /** The squared norm of `grads` (one gradient a variable, by name): this half's share of the global clip. */
  squaredNorm(variables: tf.Variable[], grads: tf.NamedTensorMap): number;
  /** Steps `variables` along `grads` times `scale`. */
  stepWithScale(variables: tf.Variable[], grads: tf.NamedTensorMap, scale: number): void;
  /** The optimizer's state, for one that has some to carry (HostAdam). */
  moments?(): AdamMoments | null;
  dispose(): void;
}

/** Adam's state between steps: its step count and moments (float64, the optimizer's flat parameter order). */
export interface AdamMoments {
  t: number;
  m: Float64Array;
  v: Float64Array;
}

/**
 * PPO's Adam on the host: the gradient is read out of tfjs once a step (one concat, one read), its squared norm and
 * the Adam step computed in float64 on typed arrays, and each variable written back with one assign. For a policy
 * of a few thousand parameters that is cheaper than any kernel sequence: on wasm a kernel call costs more than the
 * arithmetic of a small vector, and Adam with the norm as tensor ops takes about 40 of them a step (17 a variable
 * in tf.train.adam).
 * The arithmetic is Adam's (Kingma and Ba 2015, epsilon outside the square root as tfjs and PyTorch put it):
 * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, step -lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon).
 */
export class HostAdam implements ScaledStep {
  /** Read at each step, so setting it between steps anneals the rate. */
  learningRate: number;
  private m: Float64Array | null = null;
  private v: Float64Array | null = null;
  private t = 0;
  /** The parameters as last written, and the tensors they were written to (a variable assigned since is re-read). */
  private params: Float32Array | null = null;
  private written: tf.DataId[] = [];
  /** The gradient `squaredNorm` read, for the `stepWithScale` that follows it with the same gradients. */
  private read: { grads: tf.NamedTensorMap; flat: Float32Array } | null = null;

  constructor(
    learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    this.learningRate = learningRate;
  }

  squaredNorm(variables: tf.Variable[], grads: tf.NamedTensorMap): number {
    const flat = this.gradientOf(variables, grads);
    let sum = 0;
    for (let i = 0; i < flat.length; i++) sum += flat[i]! * flat[i]!;
    return sum;
  }

  stepWithScale(variables: tf.Variable[], grads: tf.NamedTensorMap, scale: number): void {
    const g = this.gradientOf(variables, grads);
    this.read = null;
    const params = this.currentParams(variables);
    if (!this.m || this.m.length !== g.length) {
      if (this.m) throw new Error(`HostAdam: ${g.length} parameters after ${this.m.length}`);
      this.m = new Float64Array(g.length);
      this.v = new Float64Array(g.length);
    }
    const m = this.m;
    const v = this.v!;
    this.t += 1;
    const { beta1, beta2, epsilon, t } = this;
    const mScale = 1 / (1 - beta1 ** t);
    const vScale = 1 / (1 - beta2 ** t);
    const lr = this.learningRate;
    for (let i = 0; i < g.length; i++) {
      const gi = g[i]! * scale;
      const mi = beta1 * m[i]! + (1 - beta1) * gi;
      const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      params[i] = params[i]! - (lr * mi * mScale) / (Math.sqrt(vi * vScale) + epsilon);
    }
    let offset = 0;
    this.written = variables.map((x) => {
      const values = params.slice(offset, offset + x.size);
      offset += x.size;
      tf.tidy(() => x.assign(tf.tensor(values, x.shape)));
      return x.dataId;
    });
  }

  /** A copy of the moments and step count (null before the first step): what a later optimizer resumes from. */
  moments(): AdamMoments | null {
    if (!this.m || !this.v) return null;
    return { t: this.t, m: this.m.slice(), v: this.v.slice() };
  }

  /** Continues from `moments` (a copy is kept): the next step is step t + 1 of that optimizer. */
  restore(moments: AdamMoments): void {
    if (moments.m.length !== moments.v.length)
      throw new Error(`HostAdam: moments of ${moments.m.length} and ${moments.v.length} values`);
    this.m = moments.m.slice();
    this.v = moments.v.slice();
    this.t = moments.t;
  }

  dispose(): void {
    this.m = this.v = this.params = this.read = null;
    this.written = [];
  }

  /** `grads` in `variables`' order as one flat vector on the host (read once for a norm and its step). */
  private gradientOf(variables: tf.Variable[], grads: tf.NamedTensorMap): Float32Array {
    if (this.read?.grads === grads) return this.read.flat;
    const flat = tf.tidy(() =>
      tf.concat(
        variables.map((x) => {
          const grad = grads[x.name];
          if (!grad) throw new Error(`HostAdam: no gradient for variable ${x.name}`);
          return grad.reshape([-1]);
        }),
      ),
    );
    const values = flat.dataSync() as Float32Array;
    flat.dispose();
    this.read = { grads, flat: values };
    return values;
  }

  /** The variables' values: kept from the last step unless a variable was assigned since. */
  private currentParams(variables: tf.Variable[]): Float32Array {
    const unchanged =
      this.params !== null &&
      this.written.length === variables.length &&
      variables.every((x, i) => x.dataId === this.written[i]);
    if (unchanged) return this.params!;
    const flat = tf.tidy(() => tf.concat(variables.map((x) => x.reshape([-1]))));
    this.params = (flat.dataSync() as Float32Array).slice();
    flat.dispose();
    return this.params;
  }
}

/** The factor that clips a gradient of squared norm `sumSq` to norm `maxGradNorm` (1 when it is within). */
export function clipScale(sumSq: number, maxGradNorm: number): number {
  return Math.min(1, maxGradNorm / (Math.sqrt(sumSq) + 1e-6));
}

/** PPO's Adam: CleanRL's epsilon 1e-5. */
export function ppoAdam(learningRate: number): HostAdam {
  return new HostAdam(learningRate, 0.9, 0.999, 1e-5);
}
