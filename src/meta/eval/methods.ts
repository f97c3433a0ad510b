/**
 * The initializations `terrarium eval` compares. Each is a policy (params + obs-norm state) that the run's inner
 * learner adapts:
 *   meta        the run's meta-learned init (its latest checkpoint);
 *   random      a fresh init: for eval seed 0 the run's own initial params (initSeed), for seed s a fresh draw
 *               from deriveSeed(initSeed, s);
 *   pretrained  RUN/pretrained, an `algo: "pretrain"` run made by `terrarium pretrain --run RUN` (multi-task
 *               training on the pooled training tasks, same learner and env-step budget as the meta-run);
 *   oracle      RUN/oracle, made by `terrarium pretrain --run RUN --oracle` (the policy observes the task).
 */
import { join } from 'node:path';
import type { LearnerConfigInput } from '../../agents/learner.js';
import type { ObsNormState } from '../../agents/obs-norm.js';
import { GaussianPolicy, type PolicyConfig } from '../../agents/policy.js';
import { TerrariumError } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { envDims } from '../../envs/registry.js';
import { type LoadedRun, loadRunIfCheckpointed } from '../checkpoint.js';
import type { RlTrainConfig } from '../config.js';
import { stepMultipliers } from '../meta-sgd.js';
import { policyObsDim } from '../rl-learner.js';
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
  /** Per-parameter multipliers of the inner step size (a Meta-SGD run's meta-init; one vector per update, the last
   * repeating); absent: the scalar alpha. */
  stepScales?: Float32Array[];
  /** The learner that adapts this init where it is not the run's `inner.learner` (eval's --baseline-learner). */
  learner?: LearnerConfigInput;
  /**
   * A context run's whole inner loop (eval's --meta-learner inner-loop): the first `contextSteps` updates are the
   * learner's (context steps), the rest the weight learner's, as meta-training adapted this init.
   */
  weightPhase?: { contextSteps: number; learner: LearnerConfigInput };
}

/** Where `terrarium pretrain` writes its policies inside a run directory (a context run's also without context). */
export function baselineDir(
  runDir: string,
  name: 'pretrained' | 'oracle' | 'pretrained-no-context' | 'oracle-no-context',
): string {
  return join(runDir, name);
}

/** The meta-learned init of a loaded run (of an oracle's own run: its policy, which observes the task). */
export function metaMethod(run: LoadedRun): EvalMethod {
  const config = run.config as RlTrainConfig;
  return {
    name: 'meta',
    observeTask: config.observeTask,
    policy: config.policy as PolicyConfig,
    init: () => ({ params: run.params, obsNorm: (run.obsNorm as ObsNormState | null) ?? null }),
    ...(run.checkpoint.stepScales
      ? { stepScales: stepMultipliers(run.checkpoint.stepScales, run.params.length) }
      : {}),
  };
}

/** Fresh initializations (tfjs must be initialized). */
export function randomMethod(config: RlTrainConfig): EvalMethod {
  const { actDim } = envDims(config.env, config.robot);
  return {
    name: 'random',
    observeTask: false,
    policy: config.policy as PolicyConfig,
    init: (seed) => {
      const policySeed = seed === 0 ? initSeed(config) : deriveSeed(initSeed(config), seed);
      const obsDim = policyObsDim({ ...config, observeTask: false });
      const policy = GaussianPolicy.create(config.policy, obsDim, actDim, policySeed);
      try {
        return { params: policy.getParams(), obsNorm: policy.getObsNorm() };
      } finally {
        policy.dispose();
      }
    },
  };
}

/** Baseline `name` of a run as `terrarium pretrain` left it (RUN/pretrained or RUN/oracle), or null if untrained. */
export function loadBaseline(runDir: string, name: 'pretrained' | 'oracle'): Promise<LoadedRun | null> {
  return loadRunIfCheckpointed(baselineDir(runDir, name));
}

/**
 * A baseline trained by `terrarium pretrain` (an `algo: "pretrain"` run, loaded by loadBaseline): its latest
 * checkpoint, the same init for every eval seed.
 */
export function savedMethod(
  name: 'pretrained' | 'oracle',
  baseline: LoadedRun,
  runDir: string,
  config: RlTrainConfig,
): EvalMethod {
  const trained = baseline.config as RlTrainConfig;
  if (trained.env !== config.env) {
    throw new TerrariumError(
      `${baselineDir(runDir, name)}: env`,
      trained.env,
      `the run's env "${config.env}"`,
    );
  }
  const init = { params: baseline.params, obsNorm: (baseline.obsNorm as ObsNormState | null) ?? null };
  return { name, observeTask: trained.observeTask, policy: trained.policy as PolicyConfig, init: () => init };
}

/** The error for a baseline asked for with --baselines but never trained. */
export function missingBaseline(runDir: string, name: 'pretrained' | 'oracle'): TerrariumError {
  return new TerrariumError(
    '--baselines',
    name,
    `a baseline trained first: run \`terrarium pretrain --run ${runDir}${name === 'oracle' ? ' --oracle' : ''}\` (no checkpoint in ${baselineDir(runDir, name)})`,
  );
}
