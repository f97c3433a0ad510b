/**
 * What Reptile needs from a learner, and nothing more: flat parameters, and a self-contained "adapt job"
 * (params, task, seed and the learner's settings in; adapted params and stats out, all plain data), so the same job
 * runs in the main thread, in a worker thread, or later on another machine.
 *
 * Two implementations: the RL one (rl-learner.ts: a GaussianPolicy adapted by a src/agents Learner on an env task)
 * and the sine-regression toy (sine-learner.ts).
 */
import type { LearnerCarry } from '../agents/learner.js';
import type { Curriculum } from '../envs/curriculum.js';
import type { RewardPreset } from '../envs/reward-presets.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import type { SineSpec } from './sine.js';

export interface AdaptStats {
  /** Return before adaptation and after each inner update: length k + 1. */
  returns: number[];
  /** Legged envs: the mean speed (m/s along the task's direction) of the same batches, where measured. */
  speeds?: number[];
  envSteps: number;
  wallSeconds: number;
}

/** Settings of an RL adaptation: everything a fresh worker needs to build the env, policy and learner. */
export interface RlJobSpec {
  env: string;
  /** The robot of a legged env, as data (absent: the env's shipped robot). */
  robot?: RobotSpec;
  maxEpisodeSteps?: number;
  /** Reward preset of a legged env (absent: the env's default). */
  reward?: RewardPreset;
  /** The policy also observes the task's parameters (the oracle). */
  observeTask: boolean;
  /** PolicyConfig of src/agents (plain JSON). */
  policy: unknown;
  /** LearnerConfig of src/agents (plain JSON). */
  learner: unknown;
  steps: number;
  episodesPerUpdate: number;
  numEnvs: number;
  /** Threads collecting the job's rollouts (config `inner.rolloutThreads`); null: in the job's own thread. */
  rolloutThreads: number | null;
  /** The context learner's weight phase (config `inner.weights`: updates + a LearnerConfig), null without. */
  weights: { updates: number; learner: unknown; fromContextBatches?: boolean } | null;
  backend: string;
}

interface JobBase {
  iteration: number;
  taskIndex: number;
  params: Float32Array;
  /** Observation-normalization state (RL), null where the learner has none. */
  obsNorm: unknown | null;
  task: unknown;
  seed: number;
  /** Also return the params before each inner update (FOMAML's pseudo-gradient, Meta-SGD's credits). */
  keepPath: boolean;
  /** Collect the batch that measures the last update's result (pretraining skips it: it only needs the update). */
  measureFinal: boolean;
  /** Per-parameter multipliers of the inner step size (Meta-SGD; one vector per update, the last repeats), null for
   * the learner's own scalar. */
  stepScales: Float32Array[] | null;
  /** Also return the policy gradient at the adapted params (Meta-SGD's step-size gradient). */
  finalGradient: boolean;
  /** Also return the sampling term of the meta-gradient (`explorationTerm`; VPG, 2 updates). */
  explorationGradient: boolean;
  /**
   * The inner learner's state from the previous job of a run that keeps it (`keepLearnerState`: sequential
   * pretraining, one PPO run across iterations), with this job's share of the run's schedule; absent: a fresh learner.
   */
  carry?: LearnerCarry;
}

export type AdaptJob =
  | (JobBase & { kind: 'rl'; spec: RlJobSpec })
  | (JobBase & { kind: 'sine'; spec: SineSpec });

export type JobFields = Omit<
  JobBase,
  'keepPath' | 'measureFinal' | 'stepScales' | 'finalGradient' | 'explorationGradient'
> & {
  keepPath?: boolean;
  measureFinal?: boolean;
  stepScales?: Float32Array[] | null;
  finalGradient?: boolean;
  explorationGradient?: boolean;
  steps?: number;
};

/** A job's common fields, each optional one at its default; `steps` apart (undefined: the config's inner steps). */
export function jobBase({ steps, ...fields }: JobFields): { base: JobBase; steps: number | undefined } {
  const base: JobBase = {
    ...fields,
    keepPath: fields.keepPath ?? false,
    measureFinal: fields.measureFinal ?? true,
    stepScales: fields.stepScales ?? null,
    finalGradient: fields.finalGradient ?? false,
    explorationGradient: fields.explorationGradient ?? false,
  };
  return { base, steps };
}

export interface AdaptResult {
  params: Float32Array;
  obsNorm: unknown | null;
  /** With keepPath: the params before each inner update (theta_0..theta_{k-1}; `params` is theta_k). */
  path: Float32Array[] | null;
  /** The policy gradient at the adapted params, when the job asked for it. */
  finalGradient: Float32Array | null;
  /** The sampling term, when the job asked for it. */
  explorationGradient: Float32Array | null;
  /** The adapted task context (context learner), null otherwise. */
  context: Float32Array | null;
  /** With the job's `carry`: the inner learner's state at the end (the next job's `carry.state`). */
  learnerState?: unknown;
  stats: AdaptStats;
}

/** The meta-level learner: builds jobs and the initial meta-parameters; the trainer does the Reptile algebra. */
export interface MetaLearner {
  readonly kind: AdaptJob['kind'];
  /** A short label for metrics (the tfjs backend, or "plain-js"). */
  readonly backend: string;
  /** The initial meta-parameters (and obs-norm state) from the run seed. */
  init(seed: number): Promise<{ params: Float32Array; obsNorm: unknown | null }>;
  /** n training tasks (never from the test split); with `level`, from that curriculum level's band. */
  sampleTasks(n: number, seed: number, level?: number): unknown[];
  /** The task distribution's curriculum (`tasks.curriculum`); absent or null: uniform sampling. */
  readonly curriculum?: Curriculum | null;
  /** A job; `steps` overrides the config's inner steps (multi-task pretraining takes one at a time). */
  job(fields: JobFields): AdaptJob;
  /** The meta-init's obs-norm state after a meta-batch (see reptile.ts for the policy). */
  mergeObsNorm(init: unknown | null, adapted: readonly (unknown | null)[]): unknown | null;
  /** Frees what the learner holds in this thread. */
  dispose(): void;
}

/** The transferable buffers of a job or result (params travel as moved Float32Arrays, not copies). */
export function transferList(value: {
  params: Float32Array;
  path?: Float32Array[] | null;
  finalGradient?: Float32Array | null;
  explorationGradient?: Float32Array | null;
}): ArrayBuffer[] {
  const buffers = [value.params.buffer as ArrayBuffer];
  for (const extra of [...(value.path ?? []), value.finalGradient, value.explorationGradient]) {
    if (extra && !buffers.includes(extra.buffer as ArrayBuffer)) buffers.push(extra.buffer as ArrayBuffer);
  }
  return buffers;
}
