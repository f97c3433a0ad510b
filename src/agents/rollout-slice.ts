/**
 * Whole-episode collection where every env copy is on its own: copy i is reset with a seed derived from (seed, i),
 * draws its action noise from its own stream deriveSeed(seed, 1, i), and is fed by a typed-array forward pass whose
 * rows do not depend on which other rows share the batch. So a contiguous slice of the copies gives the same steps
 * whichever thread runs it, and the batches of consecutive slices, concatenated in copy order, are the batch of the
 * whole: results do not depend on how the copies are split over threads (episode-collector.ts).
 * A copy stops stepping once it has finished its quota of episodes, so `envSteps` equals the kept steps.
 * No tfjs here: worker threads run this with plain arrays (rollout-worker.ts).
 */
import { TerrariumError } from '../core/errors.js';
import { deriveSeed, Rng } from '../core/rng.js';
import type { Env } from '../envs/env.js';
import { type Activation, paramLayout, TypedMlp } from './mlp.js';
import { normalizeObs, type ObsNormState } from './obs-norm.js';
import type { RolloutBatch } from './rollout.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** A GaussianPolicy as plain data: what a worker thread needs to act like it. */
export interface PolicySnapshot {
  config: {
    hiddenSizes: readonly number[];
    activation: Activation;
    obsNorm: boolean;
    valueFunction: boolean;
    contextDim: number;
  };
  obsDim: number;
  actDim: number;
  params: Float32Array;
  obsNorm: ObsNormState;
}

export interface SliceOptions {
  /** Record V(s_t) and V(final obs) at truncations (needs the value MLP). */
  values: boolean;
  /** Mean actions instead of samples. */
  deterministic: boolean;
  /** Safety stop: at most this many steps a copy. */
  maxStepsPerCopy: number;
  /**
   * An env-step budget as steps per copy of this slice (see `stepQuotas`): a copy stops after its share, its running
   * episode ending there as truncated (its value bootstrapped), so the budget splits the same way on any thread count.
   */
  stepQuotas?: readonly number[];
}

/** An env-step budget spread over `num` copies (the first `budget % num` copies take one more step). */
export function stepQuotas(budget: number, num: number): number[] {
  return episodeQuotas(budget, num);
}

/** Episodes per copy for `episodes` spread over `num` copies (the first `episodes % num` copies take one more). */
export function episodeQuotas(episodes: number, num: number): number[] {
  return Array.from({ length: num }, (_, i) => Math.floor(episodes / num) + (i < episodes % num ? 1 : 0));
}

/** Copy ranges [start, end) of `threads` contiguous slices of `num` copies, as even as can be. */
export function sliceRanges(num: number, threads: number): [number, number][] {
  const n = Math.min(num, threads);
  return Array.from({ length: n }, (_, s) => [Math.floor((s * num) / n), Math.floor(((s + 1) * num) / n)]);
}

interface CopyRecord {
  obs: number[];
  normObs: number[];
  actions: number[];
  logProbs: number[];
  values: number[];
  rewards: number[];
  terminated: number[];
  truncated: number[];
  bootstrapValues: number[];
  timesteps: number[];
  episodes: { ret: number; len: number; speed: number }[];
}

/**
 * Collects `quotas[k]` episodes on `envs[k]`, which is copy `firstCopy + k` of the whole vector env; steps come back
 * copy by copy, each episode contiguous and ending with terminated or truncated.
 */
export function collectSlice(
  policy: PolicySnapshot,
  envs: readonly Env<unknown>[],
  firstCopy: number,
  quotas: readonly number[],
  seed: number,
  options: SliceOptions,
): RolloutBatch {
  const { obsDim, actDim } = policy;
  const actor = new SliceActor(policy);
  const wantValues = options.values && policy.config.valueFunction;
  const records: CopyRecord[] = envs.map(() => ({
    obs: [],
    normObs: [],
    actions: [],
    logProbs: [],
    values: [],
    rewards: [],
    terminated: [],
    truncated: [],
    bootstrapValues: [],
    timesteps: [],
    episodes: [],
  }));
  const rngs = envs.map((_, k) => new Rng(deriveSeed(seed, 1, firstCopy + k)));
  const resetSeed = deriveSeed(seed, 0);
  const current = envs.map((env, k) => env.reset({ seed: deriveSeed(resetSeed, firstCopy + k) }).obs);
  const done = envs.map(() => 0);
  const stepQuota = (k: number) => options.stepQuotas?.[k] ?? Number.POSITIVE_INFINITY;
  const steps = envs.map(() => 0);
  const running = envs.map(() => ({ ret: 0, len: 0, speed: 0, hasSpeed: true }));
  let hasSpeed = true;

  for (let t = 0; ; t++) {
    const active = envs.flatMap((_, k) => (done[k]! < quotas[k]! && steps[k]! < stepQuota(k) ? [k] : []));
    if (active.length === 0) break;
    if (t >= options.maxStepsPerCopy) {
      throw new TerrariumError('rollout', `${t} steps a copy`, 'episodes that end (no time limit?)');
    }
    const raw = new Float32Array(active.length * obsDim);
    active.forEach((k, r) => {
      raw.set(current[k]!, r * obsDim);
    });
    const norm = actor.normalize(raw);
    const means = actor.mlp.means(norm, active.length);
    const values = wantValues ? actor.mlp.values(norm, active.length) : null;
    active.forEach((k, r) => {
      const rec = records[k]!;
      const run = running[k]!;
      const mean = means.subarray(r * actDim, (r + 1) * actDim);
      const { action, logProb } = actor.sample(mean, rngs[k]!, options.deterministic);
      pushAll(rec.obs, raw.subarray(r * obsDim, (r + 1) * obsDim));
      const result = envs[k]!.step(action);
      pushAll(rec.normObs, norm.subarray(r * obsDim, (r + 1) * obsDim));
      pushAll(rec.actions, action);
      rec.logProbs.push(logProb);
      rec.values.push(values ? values[r]! : 0);
      const reward = Math.fround(result.reward);
      rec.rewards.push(reward);
      rec.terminated.push(result.terminated ? 1 : 0);
      steps[k]!++;
      const outOfBudget = steps[k]! >= stepQuota(k);
      const truncated = (result.truncated || outOfBudget) && !result.terminated;
      rec.truncated.push(truncated ? 1 : 0);
      rec.bootstrapValues.push(truncated && wantValues ? actor.value(result.obs) : 0);
      rec.timesteps.push(run.len);
      run.ret += reward;
      run.len++;
      const speed = result.info.speed;
      if (typeof speed === 'number') run.speed += speed;
      else run.hasSpeed = false;
      current[k] = result.obs;
      if (result.terminated || truncated) {
        rec.episodes.push({ ret: run.ret, len: run.len, speed: run.speed / run.len });
        hasSpeed &&= run.hasSpeed;
        Object.assign(run, { ret: 0, len: 0, speed: 0, hasSpeed: true });
        done[k]!++;
        current[k] = envs[k]!.reset().obs;
      }
    });
  }
  return packRecords(records, obsDim, actDim, hasSpeed);
}

/** The batches of consecutive slices as the batch of the whole (copy order kept). */
export function concatBatches(parts: readonly RolloutBatch[]): RolloutBatch {
  const first = parts[0]!;
  const cat = <T extends Float32Array | Uint8Array | Int32Array>(
    key: keyof RolloutBatch,
    make: new (n: number) => T,
  ) => {
    const arrays = parts.map((p) => p[key] as T);
    const out = new make(arrays.reduce((n, a) => n + a.length, 0));
    let offset = 0;
    for (const a of arrays) {
      out.set(a, offset);
      offset += a.length;
    }
    return out;
  };
  const everySpeed = parts.every((p) => p.episodeSpeeds.length === p.episodeReturns.length);
  return {
    obsDim: first.obsDim,
    actDim: first.actDim,
    size: parts.reduce((n, p) => n + p.size, 0),
    obs: cat('obs', Float32Array),
    normObs: cat('normObs', Float32Array),
    actions: cat('actions', Float32Array),
    logProbs: cat('logProbs', Float32Array),
    values: cat('values', Float32Array),
    rewards: cat('rewards', Float32Array),
    terminated: cat('terminated', Uint8Array),
    truncated: cat('truncated', Uint8Array),
    bootstrapValues: cat('bootstrapValues', Float32Array),
    timesteps: cat('timesteps', Int32Array),
    episodeReturns: parts.flatMap((p) => p.episodeReturns),
    episodeLengths: parts.flatMap((p) => p.episodeLengths),
    episodeSpeeds: everySpeed ? parts.flatMap((p) => p.episodeSpeeds) : [],
    envSteps: parts.reduce((n, p) => n + p.envSteps, 0),
  };
}

/** The typed-array twin of GaussianPolicy's normalize / act / values, row by row. */
class SliceActor {
  readonly mlp: TypedMlp;
  private readonly logStdSum: number;
  private readonly std: Float64Array;

  constructor(private readonly policy: PolicySnapshot) {
    const specs = paramLayout(policy.obsDim, policy.actDim, policy.config);
    this.mlp = new TypedMlp(policy.params, specs, policy.config.activation);
    this.logStdSum = 0;
    for (let j = 0; j < policy.actDim; j++) this.logStdSum += this.mlp.logStd[j]!;
    this.std = Float64Array.from(this.mlp.logStd, (s) => Math.exp(s));
  }

  /** As GaussianPolicy.normalize: context inputs (the last contextDim of a row) pass through. */
  normalize(obs: Float32Array): Float32Array {
    const { config, obsDim } = this.policy;
    const out = normalizeObs(this.policy.obsNorm, obs, new Float32Array(obs.length), config.obsNorm);
    const raw = config.contextDim;
    if (raw > 0 && config.obsNorm) {
      for (let row = obsDim; row <= obs.length; row += obsDim)
        out.set(obs.subarray(row - raw, row), row - raw);
    }
    return out;
  }

  value(rawObs: Float32Array): number {
    return this.mlp.values(this.normalize(rawObs), 1)[0]!;
  }

  /** As GaussianPolicy.actNormalized for one row: a = mean + exp(logStd) z, with log pi(a | s). */
  sample(mean: Float32Array, rng: Rng, deterministic: boolean): { action: Float32Array; logProb: number } {
    const { actDim } = this.policy;
    const action = deterministic ? mean.slice() : new Float32Array(actDim);
    let sq = 0;
    if (!deterministic) {
      for (let j = 0; j < actDim; j++) {
        const z = rng.normal();
        action[j] = mean[j]! + this.std[j]! * z;
        sq += z * z;
      }
    }
    return { action, logProb: -0.5 * sq - this.logStdSum - 0.5 * actDim * LOG_2PI };
  }
}

function pushAll(target: number[], values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) target.push(values[i]!);
}

function packRecords(records: CopyRecord[], obsDim: number, actDim: number, hasSpeed: boolean): RolloutBatch {
  const flat = (key: keyof Omit<CopyRecord, 'episodes'>) => records.flatMap((r) => r[key]);
  const episodes = records.flatMap((r) => r.episodes);
  const size = records.reduce((n, r) => n + r.logProbs.length, 0);
  return {
    obsDim,
    actDim,
    size,
    obs: Float32Array.from(flat('obs')),
    normObs: Float32Array.from(flat('normObs')),
    actions: Float32Array.from(flat('actions')),
    logProbs: Float32Array.from(flat('logProbs')),
    values: Float32Array.from(flat('values')),
    rewards: Float32Array.from(flat('rewards')),
    terminated: Uint8Array.from(flat('terminated')),
    truncated: Uint8Array.from(flat('truncated')),
    bootstrapValues: Float32Array.from(flat('bootstrapValues')),
    timesteps: Int32Array.from(flat('timesteps')),
    episodeReturns: episodes.map((e) => e.ret),
    episodeLengths: episodes.map((e) => e.len),
    episodeSpeeds: hasSpeed ? episodes.map((e) => e.speed) : [],
    envSteps: size,
  };
}
