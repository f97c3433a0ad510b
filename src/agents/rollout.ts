/**
 * Collects whole episodes from a VectorEnv with one batched policy forward per vector step. The env copies are
 * reset with `seed` at the start; copy i runs until it has finished its share of the episodes (copies that are done
 * keep stepping, since a VectorEnv steps all copies, and those steps are counted in `envSteps` but discarded).
 * Steps come back flat, copy by copy, so every episode is contiguous and ends with terminated or truncated.
 *
 * With `maxEnvSteps` (an env-step budget) only the copies still collecting step, none past the budget: the batch
 * stops when it is spent, and the episodes running then end there as truncated (bootstrapped like a time limit).
 * Their partial returns count in the batch's episode statistics only when no episode of the batch finished.
 */
import { TerrariumError } from '../core/errors.js';
import { deriveSeed, Rng } from '../core/rng.js';
import { mean } from '../core/summary.js';
import type { VectorEnv } from '../envs/vector-env.js';
import type { GaussianPolicy } from './policy.js';

export interface RolloutBatch {
  obsDim: number;
  actDim: number;
  /** Number of kept steps N. */
  size: number;
  /** N x obsDim raw observations s_t. */
  obs: Float32Array;
  /** N x obsDim observations as the policy saw them (normalized with the statistics at collection time). */
  normObs: Float32Array;
  /** N x actDim sampled (unclipped) actions. */
  actions: Float32Array;
  logProbs: Float32Array;
  /** V(s_t) from the policy's value MLP (zeros when values were not requested). */
  values: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** V(final observation) at truncated steps, 0 elsewhere (and 0 when values were not requested). */
  bootstrapValues: Float32Array;
  /** Step index within its episode. */
  timesteps: Int32Array;
  episodeReturns: number[];
  episodeLengths: number[];
  /** Per episode, the mean of its steps' `info.speed` (legged envs: m/s along the task's direction); else empty. */
  episodeSpeeds: number[];
  /** Env steps taken, discarded ones included. */
  envSteps: number;
}

export interface CollectOptions {
  /** Ask the policy for value estimates (needs its value MLP). */
  values?: boolean;
  /** Mean actions instead of samples. */
  deterministic?: boolean;
  /** Safety stop: at most this many vector steps (default 100000). */
  maxVectorSteps?: number;
  /** Env-step budget of the batch: only copies still collecting step, and the batch ends when it is spent. */
  maxEnvSteps?: number;
}

interface StepRecord {
  obs: Float32Array;
  normObs: Float32Array;
  actions: Float32Array;
  logProbs: Float32Array;
  values: Float32Array | undefined;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Per copy: 1 if this step belongs to a kept episode. */
  keep: Uint8Array;
}

export function collectEpisodes(
  policy: GaussianPolicy,
  venv: VectorEnv<unknown>,
  episodes: number,
  seed: number,
  options: CollectOptions = {},
): RolloutBatch {
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new TerrariumError('episodes', episodes, 'an integer >= 1');
  }
  if (venv.obsDim !== policy.obsDim || venv.actDim !== policy.actDim) {
    throw new TerrariumError(
      'policy',
      `a policy with obs ${policy.obsDim}, act ${policy.actDim}`,
      `obs ${venv.obsDim}, act ${venv.actDim} to match the env`,
    );
  }
  const { num, obsDim, actDim } = venv;
  const wantValues = (options.values ?? false) && policy.hasValue;
  const quota = Array.from(
    { length: num },
    (_, i) => Math.floor(episodes / num) + (i < episodes % num ? 1 : 0),
  );
  const done = new Array<number>(num).fill(0);
  const running = new Float64Array(num);
  const speedSum = new Float64Array(num);
  let hasSpeed = false;
  const lengths = new Int32Array(num);
  const timestepRows: number[][] = Array.from({ length: num }, () => []);
  const episodeStats: { ret: number; len: number; speed: number }[][] = Array.from({ length: num }, () => []);
  const finals: { step: number; copy: number; obs: Float32Array }[] = [];
  const steps: StepRecord[] = [];
  const rng = new Rng(deriveSeed(seed, 1));
  const maxVectorSteps = options.maxVectorSteps ?? 100_000;
  const budget = options.maxEnvSteps;
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 1)) {
    throw new TerrariumError('maxEnvSteps', budget, 'an integer >= 1');
  }
  let envSteps = 0;

  let obs = venv.reset(deriveSeed(seed, 0));
  while (done.some((d, i) => d < quota[i]!) && (budget === undefined || envSteps < budget)) {
    if (steps.length >= maxVectorSteps) {
      throw new TerrariumError(
        'rollout',
        `${steps.length} vector steps`,
        'episodes that end (no time limit?)',
      );
    }
    const normObs = policy.normalize(obs);
    const out = policy.actNormalized(normObs, rng, options.deterministic ?? false, { values: wantValues });
    const active = budget === undefined ? undefined : budgetedCopies(done, quota, budget - envSteps);
    const result = venv.step(out.actions, active);
    envSteps += active ? active.reduce((n, a) => n + a, 0) : num;
    const keep = new Uint8Array(num);
    for (let i = 0; i < num; i++) {
      if (done[i]! >= quota[i]! || (active && !active[i])) continue;
      keep[i] = 1;
      timestepRows[i]!.push(lengths[i]!);
      running[i]! += result.rewards[i]!;
      const speed = result.infos[i]!.speed;
      if (typeof speed === 'number') {
        speedSum[i]! += speed;
        hasSpeed = true;
      }
      lengths[i]!++;
      if (result.terminated[i] || result.truncated[i]) {
        if (result.truncated[i] && !result.terminated[i] && wantValues) {
          finals.push({ step: steps.length, copy: i, obs: result.infos[i]!.finalObs! });
        }
        episodeStats[i]!.push({ ret: running[i]!, len: lengths[i]!, speed: speedSum[i]! / lengths[i]! });
        running[i] = 0;
        speedSum[i] = 0;
        lengths[i] = 0;
        done[i]!++;
      }
    }
    steps.push({
      obs,
      normObs,
      actions: out.actions,
      logProbs: out.logProbs,
      values: out.values,
      rewards: result.rewards,
      terminated: result.terminated,
      truncated: result.truncated,
      keep,
    });
    obs = result.obs;
  }
  // Episodes the budget cut: truncated at their last step, bootstrapped from the observation after it.
  const cut: { step: number; copy: number }[] = [];
  const noneFinished = episodeStats.every((e) => e.length === 0);
  for (let i = 0; i < num; i++) {
    if (lengths[i]! === 0) continue;
    let t = steps.length - 1;
    while (!steps[t]!.keep[i]) t--;
    cut.push({ step: t, copy: i });
    if (wantValues) finals.push({ step: t, copy: i, obs: obs.slice(i * obsDim, (i + 1) * obsDim) });
    if (noneFinished)
      episodeStats[i]!.push({ ret: running[i]!, len: lengths[i]!, speed: speedSum[i]! / lengths[i]! });
  }
  const cutAt = new Set(cut.map((c) => `${c.step}:${c.copy}`));

  const finalValues = new Map<string, number>();
  if (finals.length > 0) {
    const rows = new Float32Array(finals.length * obsDim);
    finals.forEach((f, k) => {
      rows.set(f.obs, k * obsDim);
    });
    const v = policy.values(rows, finals.length === 1 ? 'typed' : 'tfjs');
    finals.forEach((f, k) => {
      finalValues.set(`${f.step}:${f.copy}`, v[k]!);
    });
  }

  const size = timestepRows.reduce((n, rows) => n + rows.length, 0);
  const batch: RolloutBatch = {
    obsDim,
    actDim,
    size,
    obs: new Float32Array(size * obsDim),
    normObs: new Float32Array(size * obsDim),
    actions: new Float32Array(size * actDim),
    logProbs: new Float32Array(size),
    values: new Float32Array(size),
    rewards: new Float32Array(size),
    terminated: new Uint8Array(size),
    truncated: new Uint8Array(size),
    bootstrapValues: new Float32Array(size),
    timesteps: Int32Array.from(timestepRows.flat()),
    episodeReturns: episodeStats.flat().map((e) => e.ret),
    episodeLengths: episodeStats.flat().map((e) => e.len),
    episodeSpeeds: hasSpeed ? episodeStats.flat().map((e) => e.speed) : [],
    envSteps,
  };
  let k = 0;
  for (let i = 0; i < num; i++) {
    for (let t = 0; t < steps.length; t++) {
      const s = steps[t]!;
      if (!s.keep[i]) continue;
      batch.obs.set(s.obs.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
      batch.normObs.set(s.normObs.subarray(i * obsDim, (i + 1) * obsDim), k * obsDim);
      batch.actions.set(s.actions.subarray(i * actDim, (i + 1) * actDim), k * actDim);
      batch.logProbs[k] = s.logProbs[i]!;
      batch.values[k] = s.values ? s.values[i]! : 0;
      batch.rewards[k] = s.rewards[i]!;
      batch.terminated[k] = s.terminated[i]!;
      batch.truncated[k] = (s.truncated[i]! && !s.terminated[i]) || cutAt.has(`${t}:${i}`) ? 1 : 0;
      batch.bootstrapValues[k] = finalValues.get(`${t}:${i}`) ?? 0;
      k++;
    }
  }
  return batch;
}

/** Under a budget of `left` env steps: the copies still collecting, at most `left` of them (the first ones). */
function budgetedCopies(done: number[], quota: number[], left: number): Uint8Array {
  const active = new Uint8Array(done.length);
  let n = 0;
  for (let i = 0; i < done.length && n < left; i++) {
    if (done[i]! < quota[i]!) {
      active[i] = 1;
      n++;
    }
  }
  return active;
}

/** Mean of the batch's episode returns. */
export function meanReturn(batch: RolloutBatch): number {
  const r = batch.episodeReturns;
  return r.length === 0 ? 0 : mean(r);
}

/** Mean of the batch's episode speeds (m/s), or undefined when the env reports none. */
export function meanSpeed(batch: RolloutBatch): number | undefined {
  const s = batch.episodeSpeeds;
  return s.length === 0 ? undefined : mean(s);
}
