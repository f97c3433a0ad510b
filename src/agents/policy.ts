/**
 * A Gaussian MLP policy: observation normalization (running mean/var, part of the policy state) -> MLP (hidden sizes
 * from config, tanh or relu) -> mean action; a learnable state-independent log-std; optionally a value MLP of the
 * same widths. Weights live in tf.Variables (for gradients); `getParams()` / `setParams()` view them as one flat
 * Float32Array in the order documented in mlp.ts; a typed-array forward over that vector serves batch-1 calls.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { denseLayer } from './dense-layer.js';
import { type ParamSpec, paramLayout, TypedMlp } from './mlp.js';
import {
  batchObsNorm,
  cloneObsNorm,
  initialObsNorm,
  mergeObsNorm,
  normalizeObs,
  type ObsNormState,
} from './obs-norm.js';
import { loadPolicyFiles, savePolicyFiles } from './policy-io.js';

export const policyConfigSchema = z
  .object({
    /** Hidden layer widths of the mean MLP (and of the value MLP). */
    hiddenSizes: z.array(z.number().int().min(1).max(4096)).max(8).default([64, 64]),
    /** Hidden-layer nonlinearity. */
    activation: z.enum(['tanh', 'relu']).default('tanh'),
    /** Initial log standard deviation of every action dimension. */
    initLogStd: z.number().min(-5).max(2).default(0),
    /** Normalize observations with running statistics (updated by learners from their rollouts). */
    obsNorm: z.boolean().default(true),
    /** Include a value MLP (PPO and the VPG "value" baseline need it; the linear baseline does not). */
    valueFunction: z.boolean().default(true),
    /**
     * The last `contextDim` inputs are a task context the agent sets itself (an env built with the same contextDim
     * appends it; the context learner adapts it): part of obsDim, never normalized.
     */
    contextDim: z.number().int().min(0).max(64).default(0),
  })
  .strict();

export type PolicyConfig = z.output<typeof policyConfigSchema>;
export type PolicyConfigInput = z.input<typeof policyConfigSchema>;

const LOG_2PI = Math.log(2 * Math.PI);

export interface ActOptions {
  /** Also compute value estimates (default: whenever the policy has a value MLP). */
  values?: boolean;
  /** 'typed' (plain Float32Array forward), 'tfjs', or 'auto': typed for a batch of 1, tfjs otherwise. */
  path?: 'auto' | 'typed' | 'tfjs';
}

export interface ActResult {
  /** batch x actDim sampled actions (unclipped; the env clips), or the means when deterministic. */
  actions: Float32Array;
  /** batch log-probabilities of `actions` under the policy. */
  logProbs: Float32Array;
  /** batch x actDim mean actions. */
  means: Float32Array;
  values?: Float32Array;
}

export class GaussianPolicy {
  readonly specs: ParamSpec[];
  readonly numParams: number;
  /** Trainable variables in flat-parameter order (what optimizers update; call `markUpdated()` after). */
  readonly variables: tf.Variable[];
  private obsNormState: ObsNormState;
  private flat: Float32Array | null = null;
  private typedMlp: TypedMlp | null = null;
  private disposed = false;

  private constructor(
    readonly config: PolicyConfig,
    readonly obsDim: number,
    readonly actDim: number,
    initial: Float32Array,
  ) {
    this.specs = paramLayout(obsDim, actDim, config);
    this.numParams = this.specs.reduce((n, s) => n + s.size, 0);
    // tidy frees the initial-value tensors; variables are never freed by tidy (dispose() does).
    this.variables = tf.tidy(() =>
      this.specs.map((s) =>
        tf.variable(tf.tensor(initial.subarray(s.offset, s.offset + s.size), s.shape, 'float32'), true),
      ),
    );
    this.flat = initial.slice();
    this.obsNormState = initialObsNorm(obsDim);
  }

  /** A fresh policy; `config` is validated (path "policy"), missing fields take their defaults. */
  static create(config: PolicyConfigInput, obsDim: number, actDim: number, seed: number): GaussianPolicy {
    const parsed = parseWith(policyConfigSchema, config, 'policy');
    if (parsed.contextDim >= obsDim) {
      throw new TerrariumError('policy.contextDim', parsed.contextDim, `less than obsDim = ${obsDim}`);
    }
    for (const [name, dim] of [
      ['obsDim', obsDim],
      ['actDim', actDim],
    ] as const) {
      if (!Number.isInteger(dim) || dim < 1) throw new TerrariumError(name, dim, 'an integer >= 1');
    }
    const specs = paramLayout(obsDim, actDim, parsed);
    return new GaussianPolicy(parsed, obsDim, actDim, initialParams(specs, parsed, seed));
  }

  get hasValue(): boolean {
    return this.config.valueFunction;
  }

  /** All trainable weights, flattened in the documented order (a copy). */
  getParams(): Float32Array {
    return this.cachedFlat().slice();
  }

  setParams(params: Float32Array): void {
    if (params.length !== this.numParams) {
      throw new TerrariumError('params', `length ${params.length}`, `${this.numParams} numbers`);
    }
    tf.tidy(() => {
      this.specs.forEach((s, i) => {
        this.variables[i]!.assign(
          tf.tensor(params.subarray(s.offset, s.offset + s.size), s.shape, 'float32'),
        );
      });
    });
    this.flat = params.slice();
    this.typedMlp = null;
  }

  /** Call after an optimizer changed `variables` in place, so the flat/typed views are refreshed. */
  markUpdated(): void {
    this.flat = null;
    this.typedMlp = null;
  }

  getObsNorm(): ObsNormState {
    return cloneObsNorm(this.obsNormState);
  }

  setObsNorm(state: ObsNormState): void {
    const ok = (a: unknown) => Array.isArray(a) && a.length === this.obsDim && a.every(Number.isFinite);
    if (!ok(state.mean) || !ok(state.var) || !(state.count >= 0)) {
      throw new TerrariumError(
        'obsNorm',
        state,
        `{ mean, var: ${this.obsDim} finite numbers each, count >= 0 }`,
      );
    }
    this.obsNormState = cloneObsNorm(state);
  }

  /** Folds a batch (rows of obsDim raw observations) into the running statistics; no-op if obsNorm is off. */
  updateObsNorm(batch: Float32Array): void {
    if (!this.config.obsNorm || batch.length === 0) return;
    this.obsNormState = mergeObsNorm(this.obsNormState, batchObsNorm(batch, this.obsDim));
  }

  /** Normalized copy of raw observations (rows of obsDim); context inputs pass through as they are. */
  normalize(obs: Float32Array): Float32Array {
    const out = normalizeObs(this.obsNormState, obs, new Float32Array(obs.length), this.config.obsNorm);
    const raw = this.config.contextDim;
    if (raw > 0 && this.config.obsNorm) {
      for (let row = this.obsDim; row <= obs.length; row += this.obsDim) {
        out.set(obs.subarray(row - raw, row), row - raw);
      }
    }
    return out;
  }

  /** Samples actions for a batch of raw observations with one forward pass. */
  act(obs: Float32Array, rng: Rng, deterministic = false, options: ActOptions = {}): ActResult {
    return this.actNormalized(this.normalize(obs), rng, deterministic, options);
  }

  /** `act` for observations already passed through `normalize` (rollouts keep both). */
  actNormalized(normObs: Float32Array, rng: Rng, deterministic = false, options: ActOptions = {}): ActResult {
    const batch = this.batchSize(normObs);
    const wantValues = (options.values ?? this.hasValue) && this.hasValue;
    const { means, values } = this.forward(normObs, batch, wantValues, options.path ?? 'auto');
    const logStd = this.typed().logStd;
    const actions = deterministic ? means.slice() : new Float32Array(means.length);
    const logProbs = new Float32Array(batch);
    let logStdSum = 0;
    for (let j = 0; j < this.actDim; j++) logStdSum += logStd[j]!;
    for (let r = 0; r < batch; r++) {
      let sq = 0;
      for (let j = 0; j < this.actDim; j++) {
        const k = r * this.actDim + j;
        if (!deterministic) {
          const z = rng.normal();
          actions[k] = means[k]! + Math.exp(logStd[j]!) * z;
          sq += z * z;
        }
      }
      logProbs[r] = -0.5 * sq - logStdSum - 0.5 * this.actDim * LOG_2PI;
    }
    return values ? { actions, logProbs, means, values } : { actions, logProbs, means };
  }

  /** Mean actions for raw observations, by either forward path (they agree to float32 rounding). */
  meanActions(obs: Float32Array, path: 'typed' | 'tfjs' = 'typed'): Float32Array {
    return this.forward(this.normalize(obs), this.batchSize(obs), false, path).means;
  }

  /** Value estimates for raw observations (the policy must have a value MLP). */
  values(obs: Float32Array, path: 'typed' | 'tfjs' = 'tfjs'): Float32Array {
    if (!this.hasValue) throw new TerrariumError('policy.valueFunction', false, 'true to estimate values');
    return this.forward(this.normalize(obs), this.batchSize(obs), true, path).values!;
  }

  // ---- tfjs pieces for learners (call inside tf.tidy) ----

  /** Mean actions [N, actDim] for normalized observations [N, obsDim]. */
  meanTensor(normObs: tf.Tensor2D): tf.Tensor2D {
    return this.mlpTensor(normObs, 'pi/');
  }

  /** Values [N] for normalized observations [N, obsDim]. */
  valueTensor(normObs: tf.Tensor2D): tf.Tensor1D {
    return this.mlpTensor(normObs, 'vf/').reshape([-1]);
  }

  /** log pi(a | s) [N] for normalized observations and actions [N, actDim]. */
  logProbTensor(normObs: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor1D {
    const logStd = this.logStdVariable();
    const z = actions.sub(this.meanTensor(normObs)).div(logStd.exp());
    return z
      .square()
      .sum(1)
      .mul(-0.5)
      .sub(logStd.sum())
      .sub(0.5 * this.actDim * LOG_2PI) as tf.Tensor1D;
  }

  /** Entropy of the action distribution (a scalar: the log-std is state-independent). */
  entropyTensor(): tf.Scalar {
    return this.logStdVariable()
      .sum()
      .add(0.5 * this.actDim * (1 + LOG_2PI)) as tf.Scalar;
  }

  /** Policy variables only (mean MLP + log-std), or value variables only. */
  variablesOf(part: 'pi' | 'vf'): tf.Variable[] {
    return this.variables.filter((_, i) => this.specs[i]!.name.startsWith(`${part}/`));
  }

  /**
   * `scale` times the gradients of the policy variables (from tf.variableGrads over `variablesOf('pi')`) in the flat
   * parameter order; the value weights' entries stay 0.
   */
  flatPolicyGradient(grads: tf.NamedTensorMap, scale = 1): Float32Array {
    const flat = new Float32Array(this.numParams);
    const specs = this.specsOf('pi');
    this.variablesOf('pi').forEach((v, i) => {
      const g = grads[v.name]!.dataSync();
      for (let j = 0; j < g.length; j++) flat[specs[i]!.offset + j] = scale * g[j]!;
    });
    return flat;
  }

  /** Where each of `variablesOf(part)` lives in the flat parameter vector (same order). */
  specsOf(part: 'pi' | 'vf'): ParamSpec[] {
    return this.specs.filter((s) => s.name.startsWith(`${part}/`));
  }

  clone(): GaussianPolicy {
    const copy = new GaussianPolicy(this.config, this.obsDim, this.actDim, this.cachedFlat());
    copy.obsNormState = cloneObsNorm(this.obsNormState);
    return copy;
  }

  /** Writes the policy directory atomically (policy.json + weights.bin). */
  async save(dir: string): Promise<void> {
    await savePolicyFiles(dir, {
      config: this.config,
      obsDim: this.obsDim,
      actDim: this.actDim,
      obsNorm: this.getObsNorm(),
      specs: this.specs,
      params: this.cachedFlat(),
    });
  }

  /** Loads a policy directory; with `expected`, dims that differ are an error naming both shapes. */
  static async load(dir: string, expected?: { obsDim: number; actDim: number }): Promise<GaussianPolicy> {
    const files = await loadPolicyFiles(dir, expected);
    const config = parseWith(policyConfigSchema, files.config, `${dir}/policy.json: config`);
    const policy = new GaussianPolicy(
      config,
      files.obsDim,
      files.actDim,
      files.read(paramLayout(files.obsDim, files.actDim, config)),
    );
    policy.setObsNorm(files.obsNorm);
    return policy;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private batchSize(obs: Float32Array): number {
    const batch = obs.length / this.obsDim;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new TerrariumError(
        'obs',
        `length ${obs.length}`,
        `a positive multiple of obsDim = ${this.obsDim}`,
      );
    }
    return batch;
  }

  private forward(norm: Float32Array, batch: number, wantValues: boolean, path: 'auto' | 'typed' | 'tfjs') {
    if (path === 'typed' || (path === 'auto' && batch === 1)) {
      const mlp = this.typed();
      return { means: mlp.means(norm, batch), values: wantValues ? mlp.values(norm, batch) : undefined };
    }
    const out = tf.tidy(() => {
      const x = tf.tensor2d(norm, [batch, this.obsDim]);
      const m = this.meanTensor(x);
      return wantValues ? tf.concat([m, this.valueTensor(x).reshape([-1, 1])], 1) : m;
    });
    const data = out.dataSync() as Float32Array;
    out.dispose();
    if (!wantValues) return { means: data, values: undefined };
    const width = this.actDim + 1;
    const means = new Float32Array(batch * this.actDim);
    const values = new Float32Array(batch);
    for (let r = 0; r < batch; r++) {
      means.set(data.subarray(r * width, r * width + this.actDim), r * this.actDim);
      values[r] = data[r * width + this.actDim]!;
    }
    return { means, values };
  }

  private mlpTensor(x: tf.Tensor2D, prefix: string): tf.Tensor2D {
    const kernels = this.specs.flatMap((s, i) =>
      s.name.startsWith(prefix) && s.shape.length === 2 ? [i] : [],
    );
    let h: tf.Tensor2D = x;
    kernels.forEach((k, l) => {
      const activation = l < kernels.length - 1 ? this.config.activation : 'linear';
      h = denseLayer(h, this.variables[k] as tf.Tensor2D, this.variables[k + 1] as tf.Tensor1D, activation);
    });
    return h;
  }

  private logStdVariable(): tf.Variable {
    return this.variables[this.specs.findIndex((s) => s.name === 'pi/log_std')]!;
  }

  private cachedFlat(): Float32Array {
    if (this.disposed) throw new TerrariumError('policy', 'a disposed policy', 'a live policy');
    if (!this.flat) {
      const flat = new Float32Array(this.numParams);
      this.specs.forEach((s, i) => {
        flat.set(this.variables[i]!.dataSync() as Float32Array, s.offset);
      });
      this.flat = flat;
    }
    return this.flat;
  }

  private typed(): TypedMlp {
    if (!this.typedMlp) this.typedMlp = new TypedMlp(this.cachedFlat(), this.specs, this.config.activation);
    return this.typedMlp;
  }
}

/** Glorot-uniform kernels (gain 0.01 on the mean head so initial actions are near 0), zero biases, log-std init. */
function initialParams(specs: ParamSpec[], config: PolicyConfig, seed: number): Float32Array {
  const rng = new Rng(seed);
  const total = specs.reduce((n, s) => n + s.size, 0);
  const params = new Float32Array(total);
  for (const s of specs) {
    if (s.name === 'pi/log_std') params.fill(config.initLogStd, s.offset, s.offset + s.size);
    else if (s.shape.length === 2) {
      const gain = s.name.startsWith('pi/mean') ? 0.01 : config.activation === 'relu' ? Math.SQRT2 : 1;
      const limit = gain * Math.sqrt(6 / (s.shape[0]! + s.shape[1]!));
      for (let i = 0; i < s.size; i++) params[s.offset + i] = rng.uniform(-limit, limit);
    }
  }
  return params;
}
