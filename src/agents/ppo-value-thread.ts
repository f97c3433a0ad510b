/**
 * Where PPO's value-net update runs: in the updating thread, or on a worker thread of its own
 * (ppo-value-worker.ts) while the updating thread does the policy's half, the two meeting once a minibatch to share
 * the squared norms of their gradients (the global clip needs both). Both run ValueLearner, so a seed gives the same
 * bits either way. The meeting points are Atomics on a SharedArrayBuffer: the update stays synchronous, no event loop
 * turn is needed between minibatches, and a failed worker is reported at the next meeting (or after a timeout).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { fixedThreadPool } from '../core/thread-pool.js';
import { backendInUse } from './backend.js';
import type { AdamMoments, ScaledStep } from './host-adam.js';
import type { GaussianPolicy } from './policy.js';
import type { PpoLossTerms } from './ppo-gradient.js';
import { type ValueBatch, ValueLearner } from './ppo-value-learner.js';

/** What ppo.ts asks of the value half during one update. */
export interface ValuePart {
  /** Starts an update of `policy`'s value net (the same policy every update of an adapt call). */
  begin(policy: GaussianPolicy, batch: ValueBatch, learningRate: number, minibatchSize: number): void;
  /** A new epoch over `order` (the sample order of its minibatches). */
  epoch(order: Int32Array): void;
  /** The squared norm of the value gradient on minibatch `start`, given the policy half's. */
  gradient(start: number, withStats: boolean, policySumSq: number): number;
  /** Steps the value net with the shared clip factor. */
  step(scale: number): void;
  /** Ends the update: the value net's new weights are in the policy's variables; returns the last vLoss. */
  end(): number;
  /** The value optimizer's Adam state after the last update (null before any, or for an optimizer without one). */
  moments(): AdamMoments | null;
  close(): Promise<void>;
}

/** The value half in the calling thread, stepping with `optimizer` (PPO's Adam; a test's plain SGD). */
export function inlineValuePart(terms: PpoLossTerms, optimizer: ScaledStep): ValuePart {
  let learner: ValueLearner | null = null;
  let order: Int32Array<ArrayBufferLike> = new Int32Array(0);
  let size = 0;
  return {
    begin: (policy, batch, lr, minibatchSize) => {
      learner ??= new ValueLearner(policy, terms, optimizer);
      learner.begin(batch, lr);
      size = minibatchSize;
    },
    epoch: (o) => {
      order = o;
    },
    gradient: (start, withStats) => learner!.gradient(order.subarray(start, start + size), withStats),
    step: (scale) => learner!.step(scale),
    end: () => learner!.lastVLoss(),
    moments: () => optimizer.moments?.() ?? null,
    close: async () => {
      if (learner) learner.dispose();
      else optimizer.dispose();
    },
  };
}

/** Indices into the control words shared with the worker. */
export const CTRL = { mainMb: 0, workerMb: 1, epoch: 2, epochCmd: 3, done: 4, error: 5, words: 6 } as const;
export const ERROR_BYTES = 2048;

/** The buffers the two threads share for one adapt call. */
export interface SharedState {
  ctrl: Int32Array;
  /** [main g%2 slots, worker g%2 slots]: the squared gradient norms of minibatch g. */
  norms: Float64Array;
  /** The value net's weights after an update (the worker's), and its last vLoss. */
  params: Float32Array;
  vLoss: Float64Array;
  /** The worker's Adam state, [t, m..., v...]: the one to start from, then the one after each update (t 0: none). */
  moments: Float64Array;
  error: Uint8Array;
}

export function sharedState(valueParams: number): SharedState {
  return {
    ctrl: new Int32Array(new SharedArrayBuffer(CTRL.words * 4)),
    norms: new Float64Array(new SharedArrayBuffer(4 * 8)),
    params: new Float32Array(new SharedArrayBuffer(valueParams * 4)),
    vLoss: new Float64Array(new SharedArrayBuffer(8)),
    moments: new Float64Array(new SharedArrayBuffer((1 + 2 * valueParams) * 8)),
    error: new Uint8Array(new SharedArrayBuffer(ERROR_BYTES)),
  };
}

/** Writes `moments` into the shared [t, m..., v...] (the worker after an update; the caller before the first). */
export function writeMoments(shared: Float64Array, moments: AdamMoments): void {
  const n = (shared.length - 1) / 2;
  if (moments.m.length !== n)
    throw new Error(`PPO value thread: Adam moments of ${moments.m.length} values, not ${n}`);
  shared[0] = moments.t;
  shared.set(moments.m, 1);
  shared.set(moments.v, 1 + n);
}

/** The Adam state in the shared [t, m..., v...], or null when it holds none. */
export function readMoments(shared: Float64Array): AdamMoments | null {
  const t = shared[0]!;
  if (t === 0) return null;
  const n = (shared.length - 1) / 2;
  return { t, m: shared.slice(1, 1 + n), v: shared.slice(1 + n) };
}

/** A minibatch takes milliseconds; this long with no reply means the worker is gone. */
const TIMEOUT_MS = 120_000;

/** Blocks until ctrl[index] >= atLeast; throws if the other side reported an error or nothing came in time. */
export function waitFor(state: SharedState, index: number, atLeast: number, what: string): void {
  // Spin briefly first: the other side is usually a fraction of a millisecond away, less than a futex wake-up.
  for (let spin = 0; spin < 20_000; spin++) if (Atomics.load(state.ctrl, index) >= atLeast) return;
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const current = Atomics.load(state.ctrl, index);
    if (current >= atLeast) return;
    if (Atomics.load(state.ctrl, CTRL.error) !== 0) {
      const text = new TextDecoder().decode(state.error.slice(0, state.error.indexOf(0)));
      throw new Error(`PPO value thread failed (${what}): ${text}`);
    }
    if (Date.now() > deadline)
      throw new Error(`PPO value thread: no reply in ${TIMEOUT_MS / 1000} s (${what})`);
    Atomics.wait(state.ctrl, index, current, 1000);
  }
}

export function signal(state: SharedState, index: number, value: number): void {
  Atomics.store(state.ctrl, index, value);
  Atomics.notify(state.ctrl, index);
}

/** Writes `error` where the other side's `waitFor` reads it, and raises the error flag. */
export function reportError(state: SharedState, error: unknown): void {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  state.error.set(new TextEncoder().encode(text).slice(0, ERROR_BYTES - 1));
  signal(state, CTRL.error, 1);
}

/** The message that starts an update on the worker. */
export interface UpdateMessage {
  batch: ValueBatch;
  learningRate: number;
  params: Float32Array;
  minibatchSize: number;
  /** Shared: the sample order of the current epoch. */
  order: Int32Array;
  /** The generation counters this update starts from (minibatch, epoch). */
  mbGen: number;
  epochGen: number;
}

/** Data the worker needs to build its copy of the policy, and the port it listens on. */
export interface ValueWorkerData {
  port?: MessagePort;
  backend: string;
  policyConfig: GaussianPolicy['config'];
  obsDim: number;
  actDim: number;
  terms: PpoLossTerms & { maxGradNorm: number };
  learningRate: number;
  state: SharedState;
}

/**
 * The value half on a worker thread of its own; resolves once the worker has built its copy of `policy` (an error
 * there rejects, before any update blocks on it).
 */
export async function threadValuePart(
  policy: GaussianPolicy,
  terms: PpoLossTerms & { maxGradNorm: number },
  learningRate: number,
  moments: AdamMoments | null = null,
): Promise<ValuePart> {
  const valueParams = policy.variablesOf('vf').reduce((n, v) => n + v.size, 0);
  const state = sharedState(valueParams);
  if (moments) writeMoments(state.moments, moments);
  const data: ValueWorkerData = {
    backend: backendInUse() ?? 'wasm',
    policyConfig: policy.config,
    obsDim: policy.obsDim,
    actDim: policy.actDim,
    terms: {
      clipCoef: terms.clipCoef,
      clipVloss: terms.clipVloss,
      entCoef: terms.entCoef,
      vfCoef: terms.vfCoef,
      maxGradNorm: terms.maxGradNorm,
    },
    learningRate,
    state,
  };
  // One piscina thread running one long task for the adapt call, talking over its own port.
  const pool = fixedThreadPool(import.meta.url, 'ppo-value-worker', 1);
  const { port1: port, port2 } = new MessageChannel();
  const task: Promise<void> = pool.run({ ...data, port: port2 }, { transferList: [port2] });
  const stop = async () => {
    port.close();
    await task.catch(() => undefined);
    await pool.destroy();
  };
  task.catch((error: unknown) => reportError(state, error));
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        port.once('message', (message) =>
          message === 'ready' ? resolve() : reject(new Error(String(message))),
        );
      }),
      task.then(() => {
        throw new Error('PPO value thread ended before it was ready');
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  let vfVariables: tf.Variable[] = [];
  let mbGen = 0;
  let epochGen = 0;
  let doneGen = 0;
  let order: Int32Array<ArrayBufferLike> = new Int32Array(0);
  return {
    begin: (p, batch, lr, minibatchSize) => {
      vfVariables = p.variablesOf('vf');
      order = new Int32Array(new SharedArrayBuffer(batch.n * 4));
      const params = p.getParams();
      const message: UpdateMessage = {
        batch,
        learningRate: lr,
        params,
        minibatchSize,
        order,
        mbGen,
        epochGen,
      };
      port.postMessage(message);
    },
    epoch: (o) => {
      order.set(o);
      Atomics.store(state.ctrl, CTRL.epochCmd, 1);
      signal(state, CTRL.epoch, ++epochGen);
    },
    gradient: (_start, _withStats, policySumSq) => {
      mbGen += 1;
      state.norms[mbGen % 2] = policySumSq;
      signal(state, CTRL.mainMb, mbGen);
      waitFor(state, CTRL.workerMb, mbGen, 'minibatch');
      return state.norms[2 + (mbGen % 2)]!;
    },
    step: () => {},
    end: () => {
      Atomics.store(state.ctrl, CTRL.epochCmd, 0);
      signal(state, CTRL.epoch, ++epochGen);
      waitFor(state, CTRL.done, ++doneGen, 'end of update');
      let offset = 0;
      for (const v of vfVariables) {
        assign(v, state.params.slice(offset, offset + v.size));
        offset += v.size;
      }
      return state.vLoss[0]!;
    },
    moments: () => readMoments(state.moments),
    close: async () => {
      // Wakes a worker still waiting at a meeting (an update that ended in an error): it stops within a second and
      // then sees its port closed.
      signal(state, CTRL.error, 2);
      await stop();
    },
  };
}

function assign(v: tf.Variable, values: Float32Array): void {
  tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
}
