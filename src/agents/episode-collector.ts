/**
 * Where a learner's rollouts are collected: in the calling thread, or with the env copies split into contiguous
 * slices over a piscina pool of worker threads (rollout-worker.ts), each collecting its slice's whole segment from a
 * snapshot of the policy's params and observation statistics, the main thread concatenating the slices in copy
 * order. Both run rollout-slice.ts, so a seed gives the same batch, bit for bit, whatever the thread count.
 *
 * Worker entry: dist/agents/rollout-worker.js from the built package; from the TypeScript sources (vitest, tsx) the
 * worker loads src/agents/rollout-worker.ts through tsx's loader, as src/meta/pool.ts does.
 */
import { TerrariumError } from '../core/errors.js';
import { fixedThreadPool } from '../core/thread-pool.js';
import type { VectorEnv } from '../envs/vector-env.js';
import type { GaussianPolicy } from './policy.js';
import type { CollectOptions, RolloutBatch } from './rollout.js';
import {
  collectSlice,
  concatBatches,
  episodeQuotas,
  type PolicySnapshot,
  type SliceOptions,
  sliceRanges,
  stepQuotas,
} from './rollout-slice.js';
import { type CollectorEnvSpec, movable, type SliceJob, type SliceReply } from './rollout-worker.js';

export type { CollectorEnvSpec } from './rollout-worker.js';

export interface EpisodeCollector {
  /** Threads collecting (1: the calling thread). */
  readonly threads: number;
  /** CPU seconds each worker thread spent on its slice of the last `collect` (empty in-thread; for benchmarks). */
  readonly sliceCpuSeconds: readonly number[];
  /** `episodes` whole episodes with `policy`, env copies reset from `seed` (as collectEpisodes, per copy). */
  collect(
    policy: GaussianPolicy,
    episodes: number,
    seed: number,
    options?: CollectOptions,
  ): Promise<RolloutBatch>;
  close(): Promise<void>;
}

/**
 * A collector over `venv`'s copies on `threads` threads (at most one a copy). With threads > 1 the workers build
 * their own copies from `spec`, which must describe the same envs as `venv`'s, and give each the task `venv`'s copy
 * has at collection time (so `venv.setTasks` carries over). Context inputs set on `venv`'s copies do not: with a
 * `contextDim` in the spec, threads > 1 is an error.
 */
export function createEpisodeCollector(
  venv: VectorEnv<unknown>,
  spec: CollectorEnvSpec,
  threads: number,
): EpisodeCollector {
  if (!Number.isInteger(threads) || threads < 1)
    throw new TerrariumError('threads', threads, 'an integer >= 1');
  const ranges = sliceRanges(venv.num, threads);
  if (ranges.length > 1 && (spec.options.contextDim ?? 0) > 0) {
    throw new TerrariumError('threads', threads, '1 for envs with a context input (contextDim > 0)');
  }
  if (ranges.length === 1) {
    return {
      threads: 1,
      sliceCpuSeconds: [],
      collect: async (policy, episodes, seed, options = {}) =>
        collectSlice(
          snapshot(policy, venv),
          venv.envs,
          0,
          episodeQuotas(episodes, venv.num),
          seed,
          sliceOptions(options, venv.num),
        ),
      close: async () => {},
    };
  }
  const pool = fixedThreadPool(import.meta.url, 'rollout-worker', ranges.length);
  let sliceCpuSeconds: number[] = [];
  return {
    threads: ranges.length,
    get sliceCpuSeconds() {
      return sliceCpuSeconds;
    },
    async collect(policy, episodes, seed, options = {}) {
      const state = snapshot(policy, venv);
      const quotas = episodeQuotas(episodes, venv.num);
      const tasks = venv.tasks;
      const replies: SliceReply[] = await Promise.all(
        ranges.map(([start, end]) => {
          const job: SliceJob = {
            spec,
            firstCopy: start,
            quotas: quotas.slice(start, end),
            tasks: tasks.slice(start, end),
            policy: { ...state, params: state.params.slice() },
            seed,
            options: sliceOptions(options, venv.num, start, end),
          };
          return pool.run(movable(job, [job.policy.params.buffer as ArrayBuffer]));
        }),
      );
      sliceCpuSeconds = replies.map((reply) => (reply.ok ? reply.cpuSeconds : Number.NaN));
      return concatBatches(
        replies.map((reply) => {
          if (reply.ok) return reply.batch;
          const { message, path, value, expected } = reply.error;
          if (path !== undefined && expected !== undefined) throw new TerrariumError(path, value, expected);
          throw new Error(message);
        }),
      );
    },
    close: () => pool.destroy(),
  };
}

function snapshot(policy: GaussianPolicy, venv: VectorEnv<unknown>): PolicySnapshot {
  if (venv.obsDim !== policy.obsDim || venv.actDim !== policy.actDim) {
    throw new TerrariumError(
      'policy',
      `a policy with obs ${policy.obsDim}, act ${policy.actDim}`,
      `obs ${venv.obsDim}, act ${venv.actDim} to match the env`,
    );
  }
  const { hiddenSizes, activation, obsNorm, valueFunction, contextDim } = policy.config;
  return {
    config: { hiddenSizes, activation, obsNorm, valueFunction, contextDim },
    obsDim: policy.obsDim,
    actDim: policy.actDim,
    params: policy.getParams(),
    obsNorm: policy.getObsNorm(),
  };
}

/** The slice options of copies [start, end) of `num`; an env-step budget becomes per-copy step quotas. */
function sliceOptions(options: CollectOptions, num: number, start = 0, end = num): SliceOptions {
  const base = {
    values: options.values ?? false,
    deterministic: options.deterministic ?? false,
    maxStepsPerCopy: options.maxVectorSteps ?? 100_000,
  };
  if (options.maxEnvSteps === undefined) return base;
  if (!(Number.isInteger(options.maxEnvSteps) && options.maxEnvSteps >= 1))
    throw new TerrariumError('maxEnvSteps', options.maxEnvSteps, 'an integer >= 1');
  return { ...base, stepQuotas: stepQuotas(options.maxEnvSteps, num).slice(start, end) };
}
