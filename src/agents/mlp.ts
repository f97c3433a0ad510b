/**
 * The policy's parameter layout and a plain Float32Array forward pass over it (for batch-1 paths: the viewer,
 * single-env rollouts, where per-op tfjs overhead dominates). Tested equal to the tfjs forward.
 *
 * Flat parameter order (what `GaussianPolicy.getParams()` returns), every kernel row-major [in, out]:
 *   pi/dense_0/kernel, pi/dense_0/bias, ..., pi/dense_{H-1}/kernel, pi/dense_{H-1}/bias,   hidden layers
 *   pi/mean/kernel [h, actDim], pi/mean/bias [actDim],                                     mean head
 *   pi/log_std [actDim],                                                                   state-independent log-std
 *   vf/dense_0/kernel, vf/dense_0/bias, ..., vf/out/kernel [h, 1], vf/out/bias [1]         value MLP (if enabled)
 */

export type Activation = 'tanh' | 'relu';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Offset in the flat parameter vector. */
  offset: number;
  size: number;
}

export interface LayoutOptions {
  hiddenSizes: readonly number[];
  valueFunction: boolean;
}

export function paramLayout(obsDim: number, actDim: number, options: LayoutOptions): ParamSpec[] {
  const specs: ParamSpec[] = [];
  let offset = 0;
  const push = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({ name, shape, offset, size });
    offset += size;
  };
  const dense = (prefix: string, sizes: number[], headName: string) => {
    for (let i = 0; i + 1 < sizes.length; i++) {
      const name = i + 2 === sizes.length ? `${prefix}/${headName}` : `${prefix}/dense_${i}`;
      push(`${name}/kernel`, [sizes[i]!, sizes[i + 1]!]);
      push(`${name}/bias`, [sizes[i + 1]!]);
    }
  };
  dense('pi', [obsDim, ...options.hiddenSizes, actDim], 'mean');
  push('pi/log_std', [actDim]);
  if (options.valueFunction) dense('vf', [obsDim, ...options.hiddenSizes, 1], 'out');
  return specs;
}

/** A dense layer as views into a flat parameter vector. */
interface DenseView {
  kernel: Float32Array;
  bias: Float32Array;
  inSize: number;
  outSize: number;
}

function denseViews(params: Float32Array, specs: ParamSpec[], prefix: string): DenseView[] {
  const own = specs.filter((s) => s.name.startsWith(`${prefix}/`) && s.shape.length === 2);
  return own.map((kernelSpec) => {
    const biasSpec = specs[specs.indexOf(kernelSpec) + 1]!;
    return {
      kernel: params.subarray(kernelSpec.offset, kernelSpec.offset + kernelSpec.size),
      bias: params.subarray(biasSpec.offset, biasSpec.offset + biasSpec.size),
      inSize: kernelSpec.shape[0]!,
      outSize: kernelSpec.shape[1]!,
    };
  });
}

/** Precomputed views for the typed-array forward pass; rebuild after the flat vector changes identity. */
export class TypedMlp {
  private readonly pi: DenseView[];
  private readonly vf: DenseView[];
  readonly logStd: Float32Array;

  constructor(
    params: Float32Array,
    specs: ParamSpec[],
    private readonly activation: Activation,
  ) {
    this.pi = denseViews(params, specs, 'pi');
    this.vf = denseViews(params, specs, 'vf');
    const logStdSpec = specs.find((s) => s.name === 'pi/log_std')!;
    this.logStd = params.subarray(logStdSpec.offset, logStdSpec.offset + logStdSpec.size);
  }

  get hasValue(): boolean {
    return this.vf.length > 0;
  }

  /** Mean actions for `batch` rows of (already normalized) observations. */
  means(input: Float32Array, batch: number): Float32Array {
    return this.run(this.pi, input, batch);
  }

  values(input: Float32Array, batch: number): Float32Array {
    return this.run(this.vf, input, batch);
  }

  private run(layers: DenseView[], input: Float32Array, batch: number): Float32Array {
    let x = input;
    for (let l = 0; l < layers.length; l++) {
      const { kernel, bias, inSize, outSize } = layers[l]!;
      const y = new Float32Array(batch * outSize);
      const last = l === layers.length - 1;
      const acc = new Float64Array(outSize);
      for (let r = 0; r < batch; r++) {
        acc.set(bias);
        for (let i = 0; i < inSize; i++) {
          const xi = x[r * inSize + i]!;
          const row = i * outSize;
          for (let o = 0; o < outSize; o++) acc[o]! += xi * kernel[row + o]!;
        }
        for (let o = 0; o < outSize; o++) {
          const s = acc[o]!;
          y[r * outSize + o] = last ? s : this.activation === 'tanh' ? Math.tanh(s) : Math.max(s, 0);
        }
      }
      x = y;
    }
    return x;
  }
}
