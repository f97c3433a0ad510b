/**
 * One interface for every inner-loop learner: adapt a copy of a policy to the task already set on a vector env's
 * copies, with a budget of updates x episodes, and report the mean episode return before update 1 and after each
 * update. `makeLearner` builds one from a validated config (a zod union on `algo`).
 */
import { z } from 'zod';
import { parseWith } from '../core/errors.js';
import type { VectorEnv } from '../envs/vector-env.js';
import { ContextLearner, contextConfigSchema } from './context-learner.js';
import type { EpisodeCollector } from './episode-collector.js';
import type { GaussianPolicy } from './policy.js';
import { PpoLearner, ppoConfigSchema } from './ppo.js';
import type { RolloutBatch } from './rollout.js';
import { VpgLearner, vpgConfigSchema } from './vpg.js';

export const adaptBudgetSchema = z
  .object({
    /** Gradient updates (PPO: one update = its epochs over one batch); at most 100,000. */
    updates: z.number().int().min(0).max(100_000),
    /** Episodes collected for each update (and for the final evaluation batch); at most 10,000. */
    episodesPerUpdate: z.number().int().min(1).max(10_000),
    /** Collect one more batch after the last update to measure it (default true). */
    measureFinal: z.boolean().optional(),
    /**
     * Env steps to use in all (train-task's --steps): batches of episodesPerUpdate episodes, each followed by an
     * update, until the budget is spent; the batch that spends it (cut where it does) measures the last update, and
     * `updates` is the number planned (whole-length episodes; learning rates anneal over it). Without it, `updates`
     * updates of whole batches.
     */
    envSteps: z.number().int().min(1).optional(),
  })
  .strict();

export type AdaptBudget = z.infer<typeof adaptBudgetSchema>;

export interface AdaptStats {
  /**
   * Mean episode return before update 1, after update 1, ..., after the last: length updates + 1 (length updates,
   * without the last, when the budget's measureFinal is false).
   */
  returns: number[];
  /** Mean episode speed (m/s, info.speed) of each of those batches; absent for envs that report none. */
  speeds?: number[];
  /** Env steps used, including the final evaluation batch. */
  envSteps: number;
  wallSeconds: number;
}

export interface AdaptResult {
  /** A new adapted copy (the caller disposes it); the input policy is untouched. */
  policy: GaussianPolicy;
  stats: AdaptStats;
  /** The parameters just before each update, in order (FOMAML, Meta-SGD); empty when updates = 0. */
  paramsBeforeUpdates: Float32Array[];
  /** With `finalGradient`: the policy gradient at the adapted params, from the measuring batch (flat order). */
  finalGradient?: Float32Array;
  /** With `explorationGradient`: the sampling term of the first batch (exploration-gradient.ts), flat order. */
  explorationGradient?: Float32Array;
  /** The context learner's adapted context (the policy's last contextDim inputs); absent for other learners. */
  context?: Float32Array;
  /** With `carry`: the learner's state at the end, to start the next call from (PPO: a PpoState). */
  state?: unknown;
  /** With `keepBatches`: the batches the updates learned from, in order, with their values (context learner). */
  batches?: RolloutBatch[];
}

/**
 * A learner's own state carried from one adapt call to the next, so that calls in a row train as one run: `state`
 * (null: start fresh) is what an earlier call returned; `schedule` is the share of the whole run that this call covers
 * (from < to, within [0, 1]), over which learning rates anneal instead of over the call. PPO only.
 */
export interface LearnerCarry {
  state: unknown | null;
  schedule?: { from: number; to: number };
}

/**
 * What a caller may ask of an adaptation beyond the budget: `collector` (VPG and PPO), the rest VPG only (other
 * learners reject them).
 */
export interface AdaptOptions {
  /** Collect the batches with this (e.g. on worker threads) instead of in this thread on the vector env (VPG, PPO). */
  collector?: EpisodeCollector;
  /**
   * Per-parameter multipliers of the step size, in the policy's flat parameter order (Meta-SGD style): one vector
   * per update (update u uses the u-th; updates past the last vector use the last).
   */
  stepScales?: readonly Float32Array[];
  /** Also return the policy gradient (ascent direction) at the adapted params, from the measuring batch. */
  finalGradient?: boolean;
  /**
   * Also return the meta-gradient's sampling term for the return after the first update (exploration-gradient.ts),
   * the gradient after it read back from the second update: needs exactly 2 updates.
   */
  explorationGradient?: boolean;
  /** Start from a state an earlier call returned, and return the state reached (AdaptResult.state); PPO only. */
  carry?: LearnerCarry;
  /** Return the batches the updates learned from, values recorded (AdaptResult.batches); context learner only. */
  keepBatches?: boolean;
  /**
   * Batches collected before this call from the policy as given (another learner's, e.g. the context learner's with
   * keepBatches): one update on each, in order, before the budget's own; PPO only. They count no env steps here (their
   * collector counted them) and, like the budget's updates, anneal the learning rate (priors + updates in all).
   */
  priorBatches?: readonly RolloutBatch[];
}

/** Progress after each batch: `update` = number of updates applied before this batch was collected. */
export interface UpdateEvent {
  update: number;
  meanReturn: number;
  /** Mean episode speed of the batch (m/s, info.speed); undefined for envs that report none. */
  meanSpeed: number | undefined;
  envSteps: number;
  wallSeconds: number;
  /** Learner-specific numbers of the update that followed the previous batch (losses, KL...). */
  info: Record<string, number>;
  batch: RolloutBatch;
}

export interface AdaptHooks {
  onBatch?: (event: UpdateEvent) => void;
  /** Checked after each update: once aborted, the adaptation throws the signal's reason (a stop in this thread). */
  signal?: AbortSignal;
  /** Checked after each update: once aborted, adaptation ends there and returns the policy so far (no measuring). */
  until?: AbortSignal;
}

export interface Learner {
  readonly name: string;
  adapt(
    policy: GaussianPolicy,
    venv: VectorEnv<unknown>,
    budget: AdaptBudget,
    seed: number,
    hooks?: AdaptHooks,
    options?: AdaptOptions,
  ): Promise<AdaptResult>;
}

export const learnerConfigSchema = z.discriminatedUnion('algo', [
  vpgConfigSchema,
  ppoConfigSchema,
  contextConfigSchema,
]);
export type LearnerConfig = z.output<typeof learnerConfigSchema>;
export type LearnerConfigInput = z.input<typeof learnerConfigSchema>;

/** A learner from a config (validated, path "learner"; missing hyperparameters take their defaults). */
export function makeLearner(config: LearnerConfigInput): Learner {
  const parsed = parseWith(learnerConfigSchema, config, 'learner');
  if (parsed.algo === 'vpg') return new VpgLearner(parsed);
  return parsed.algo === 'ppo' ? new PpoLearner(parsed) : new ContextLearner(parsed);
}

export { type ContextConfig, contextConfigSchema } from './context-learner.js';
export { type PpoConfig, ppoConfigSchema } from './ppo.js';
export { type VpgConfig, vpgConfigSchema } from './vpg.js';
