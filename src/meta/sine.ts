/**
 * The Reptile paper's toy: few-shot sine-wave regression. A task is y = amplitude * sin(x - phase), amplitude in
 * [0.1, 5], phase in [0, pi], x in [-5, 5]; the learner sees `points` samples of it and takes `steps` SGD steps
 * (minibatches of `batchSize`, step size `lr`) on the mean squared error. The model is an MLP 1-40-40-1 with tanh
 * units (the paper's notebook uses tanh) in plain typed arrays, so a job costs no tfjs and is bit-for-bit
 * deterministic on any thread.
 *
 * Params layout: per layer, W (out x in, row-major) then b (out). The "return" of a model is minus its MSE on a grid
 * of 50 points spanning [-5, 5] (the whole curve, not the few training points), so higher is better, as in RL.
 */
import { z } from 'zod';
import { Rng } from '../core/rng.js';
import { makeTaskDistribution, type TaskDistribution } from '../envs/task.js';

export const sineTaskSchema = z
  .object({
    amplitude: z.number().min(0.1).max(5),
    phase: z.number().min(0).max(Math.PI),
  })
  .strict();

export type SineTask = z.infer<typeof sineTaskSchema>;

/** What one sine adaptation needs besides params, task and seed. */
export interface SineSpec {
  /** Hidden layer widths (the paper: [40, 40]). */
  hidden: number[];
  /** Inner SGD steps. */
  steps: number;
  /** Inner SGD step size. */
  lr: number;
  /** Samples of the task the learner sees. */
  points: number;
  /** Samples per SGD step (cycled through a seeded permutation of the points). */
  batchSize: number;
}

export const SINE_X_RANGE: [number, number] = [-5, 5];
const EVAL_GRID = Float64Array.from({ length: 50 }, (_, i) => -5 + (10 * i) / 49);

export function sineTaskDistribution(): TaskDistribution<SineTask> {
  return makeTaskDistribution<SineTask>('sine', (rng) => ({
    amplitude: rng.uniform(0.1, 5),
    phase: rng.uniform(0, Math.PI),
  }));
}

export function sineValue(task: SineTask, x: number): number {
  return task.amplitude * Math.sin(x - task.phase);
}

function layerSizes(hidden: readonly number[]): number[] {
  return [1, ...hidden, 1];
}

export function sineNumParams(hidden: readonly number[]): number {
  const sizes = layerSizes(hidden);
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l + 1]! * sizes[l]! + sizes[l + 1]!;
  return n;
}

/** PyTorch's default init: weights and biases uniform in +-1/sqrt(fan_in). */
export function initSineParams(hidden: readonly number[], seed: number): Float32Array {
  const sizes = layerSizes(hidden);
  const rng = new Rng(seed);
  const params = new Float32Array(sineNumParams(hidden));
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const count = sizes[l + 1]! * fanIn + sizes[l + 1]!;
    const bound = 1 / Math.sqrt(fanIn);
    for (let j = 0; j < count; j++) params[offset + j] = rng.uniform(-bound, bound);
    offset += count;
  }
  return params;
}

/** The model's prediction at each x. */
export function sinePredict(
  params: Float32Array,
  hidden: readonly number[],
  xs: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = forward(params, layerSizes(hidden), xs[i]!).y;
  return out;
}

function forward(params: Float32Array, sizes: number[], x: number) {
  // activations[l] holds layer l's output (after tanh for hidden layers).
  const activations: Float64Array[] = [Float64Array.of(x)];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l]!;
    const nOut = sizes[l + 1]!;
    const input = activations[l]!;
    const output = new Float64Array(nOut);
    const bOffset = offset + nOut * nIn;
    const last = l + 2 === sizes.length;
    for (let o = 0; o < nOut; o++) {
      let sum = params[bOffset + o]!;
      const row = offset + o * nIn;
      for (let i = 0; i < nIn; i++) sum += params[row + i]! * input[i]!;
      output[o] = last ? sum : Math.tanh(sum);
    }
    activations.push(output);
    offset = bOffset + nOut;
  }
  return { y: activations[activations.length - 1]![0]!, activations };
}

/** Mean squared error over (xs, ys) and, if `grad` is given, adds its gradient to `grad`. */
export function sineLoss(
  params: Float32Array,
  hidden: readonly number[],
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  grad?: Float64Array,
): number {
  const sizes = layerSizes(hidden);
  let loss = 0;
  for (let n = 0; n < xs.length; n++) {
    const { y, activations } = forward(params, sizes, xs[n]!);
    const err = y - ys[n]!;
    loss += err * err;
    if (!grad) continue;
    // Backpropagate d(err^2 / N)/dy = 2 err / N through the layers, last to first.
    let upstream = Float64Array.of((2 * err) / xs.length);
    let offset = params.length;
    for (let l = sizes.length - 2; l >= 0; l--) {
      const nIn = sizes[l]!;
      const nOut = sizes[l + 1]!;
      offset -= nOut * nIn + nOut;
      const input = activations[l]!;
      const bOffset = offset + nOut * nIn;
      const downstream = new Float64Array(nIn);
      for (let o = 0; o < nOut; o++) {
        const g = upstream[o]!;
        grad[bOffset + o]! += g;
        const row = offset + o * nIn;
        for (let i = 0; i < nIn; i++) {
          grad[row + i]! += g * input[i]!;
          downstream[i]! += g * params[row + i]!;
        }
      }
      if (l > 0) for (let i = 0; i < nIn; i++) downstream[i]! *= 1 - input[i]! * input[i]!;
      upstream = downstream;
    }
  }
  return loss / xs.length;
}

/** MSE of the model against the true curve on a 50-point grid over [-5, 5]. */
export function sineCurveMse(params: Float32Array, hidden: readonly number[], task: SineTask): number {
  const ys = Array.from(EVAL_GRID, (x) => sineValue(task, x));
  return sineLoss(params, hidden, EVAL_GRID, ys);
}

export interface SineAdaptation {
  params: Float32Array;
  /** With `keepPath`: the params before each SGD step (for FOMAML); empty otherwise. */
  path: Float32Array[];
  /** -MSE on the curve before and after each step: length steps + 1. */
  returns: number[];
  /** The points the learner saw. */
  xs: Float64Array;
}

/**
 * `steps` SGD steps on `points` samples of the task drawn from `seed`. The path is opt-in: only FOMAML reads it, and
 * eval's thousands of adaptations would otherwise hold every intermediate parameter vector until they return.
 */
export function adaptSine(
  params: Float32Array,
  task: SineTask,
  spec: SineSpec,
  seed: number,
  keepPath = false,
): SineAdaptation {
  const rng = new Rng(seed);
  const xs = Float64Array.from({ length: spec.points }, () => rng.uniform(...SINE_X_RANGE));
  const ys = Float64Array.from(xs, (x) => sineValue(task, x));
  let current = params.slice();
  const path: Float32Array[] = [];
  const returns = [-sineCurveMse(current, spec.hidden, task)];
  let order: number[] = [];
  for (let step = 0; step < spec.steps; step++) {
    const batchX: number[] = [];
    const batchY: number[] = [];
    while (batchX.length < Math.min(spec.batchSize, spec.points)) {
      if (order.length === 0) order = shuffle(spec.points, rng);
      const i = order.pop()!;
      batchX.push(xs[i]!);
      batchY.push(ys[i]!);
    }
    const grad = new Float64Array(current.length);
    sineLoss(current, spec.hidden, batchX, batchY, grad);
    const before = current;
    if (keepPath) path.push(before);
    current = new Float32Array(before.length);
    for (let j = 0; j < current.length; j++) current[j] = before[j]! - spec.lr * grad[j]!;
    returns.push(-sineCurveMse(current, spec.hidden, task));
  }
  return { params: current, path, returns, xs };
}

function shuffle(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
