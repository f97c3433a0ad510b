/**
 * The initializations `terrarium eval` compares. Each is a policy (params + obs-norm state) that the run's inner
 * learner adapts:
 *   meta        the run's meta-learned init (its latest checkpoint);
 *   random      a fresh init: for eval seed 0 the run's own initial params (initSeed), for seed s a fresh draw
 *               from deriveSeed(initSeed, s);
 *   pretrained  RUN/pretrained/policy, made by `terrarium pretrain --run RUN` (multi-task training, pooled tasks);
 *   oracle      RUN/oracle/policy, made by `terrarium pretrain --run RUN --oracle` (observes the task parameters).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObsNormState } from '../../agents/obs-norm.js';
import { GaussianPolicy, type PolicyConfig } from '../../agents/policy.js';
import { TerrariumError } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { envEntry } from '../../envs/registry.js';
import { taskFeatures } from '../../envs/task-features.js';
import type { LoadedRun } from '../checkpoint.js';
import type { RlTrainConfig } from '../config.js';
import { initSeed } from '../trainer.js';

export const METHOD_NAMES = ['meta', 'random', 'pretrained', 'oracle'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
export const BASELINE_NAMES = ['random', 'pretrained', 'oracle'] as const;

export interface PolicyInit {
  params: Float32Array;
  obsNorm: ObsNormState | null;
}

export interface EvalMethod {
  name: MethodName;
  /** The policy sees the task parameters appended to its observation (`makeEnv({ observeTask: true })`). */
  observeTask: boolean;
  policy: PolicyConfig;
  /** The init adapted in evaluation seed `seed`. */
  init(seed: number): PolicyInit;
}

/** Where `terrarium pretrain` writes its policies inside a run directory. */
export function baselineDir(runDir: string, name: 'pretrained' | 'oracle'): string {
  return join(runDir, name);
}

/** Observation size of the oracle (the env's observation, then the task's features). */
export function oracleObsDim(config: RlTrainConfig): number {
  const entry = envEntry(config.env);
  const task = entry.distribution(config.tasks).testTasks(1)[0];
  return entry.obsDim + taskFeatures(task).length;
}

/** The meta-learned init of a loaded run. */
export function metaMethod(run: LoadedRun): EvalMethod {
  const config = run.config as RlTrainConfig;
  return {
    name: 'meta',
    observeTask: false,
    policy: config.policy as PolicyConfig,
    init: () => ({ params: run.params, obsNorm: (run.obsNorm as ObsNormState | null) ?? null }),
  };
}

/** Fresh initializations (tfjs must be initialized). */
export function randomMethod(config: RlTrainConfig): EvalMethod {
  const entry = envEntry(config.env);
  return {
    name: 'random',
    observeTask: false,
    policy: config.policy as PolicyConfig,
    init: (seed) => {
      const policySeed = seed === 0 ? initSeed(config) : deriveSeed(initSeed(config), seed);
      const policy = GaussianPolicy.create(config.policy, entry.obsDim, entry.actDim, policySeed);
      try {
        return { params: policy.getParams(), obsNorm: policy.getObsNorm() };
      } finally {
        policy.dispose();
      }
    },
  };
}

/** A policy saved by `terrarium pretrain` (the same init for every eval seed). */
export async function savedMethod(
  name: 'pretrained' | 'oracle',
  runDir: string,
  config: RlTrainConfig,
): Promise<EvalMethod> {
  const dir = join(baselineDir(runDir, name), 'policy');
  try {
    await access(join(dir, 'policy.json'));
  } catch {
    throw new TerrariumError(
      '--baselines',
      name,
      `a baseline trained first: run \`terrarium pretrain --run ${runDir}${name === 'oracle' ? ' --oracle' : ''}\` (no ${dir})`,
    );
  }
  const entry = envEntry(config.env);
  const obsDim = name === 'oracle' ? oracleObsDim(config) : entry.obsDim;
  const policy = await GaussianPolicy.load(dir, { obsDim, actDim: entry.actDim });
  const init = { params: policy.getParams(), obsNorm: policy.getObsNorm() };
  const policyConfig = policy.config;
  policy.dispose();
  return { name, observeTask: name === 'oracle', policy: policyConfig, init: () => init };
}
