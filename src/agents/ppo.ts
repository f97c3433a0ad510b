/**
 * PPO with the clipped surrogate (Schulman et al. 2017), read like CleanRL's ppo_continuous_action.py except that
 * truncation bootstraps from V(final obs) and termination does not. Each update:
 *   1. rollout: `episodesPerUpdate` episodes with the current policy (values and log-probs recorded);
 *   2. advantages: GAE(gamma, gaeLambda); value targets = advantages + values;
 *   3. update: `updateEpochs` passes over the batch in `numMinibatches` shuffled minibatches, each an Adam step on
 *      pgLoss - entCoef * entropy + vfCoef * vLoss with the gradient's global norm clipped to `maxGradNorm`;
 *      pgLoss = mean(max(-A r, -A clip(r, 1 - clipCoef, 1 + clipCoef))), r = pi(a|s) / pi_old(a|s).
 * With `normalizeRewards` (default) rewards are divided by the running std of the discounted return first.
 * The Adam state and the reward statistics live for one `adapt` call (a fresh optimizer per task), unless the caller
 * carries them from call to call (`options.carry`, a PpoState): then calls in a row train as one long run.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { deriveSeed, Rng } from '../core/rng.js';
import { adaptLoop } from './adapt-loop.js';
import { gae, normalizeAdvantages } from './advantages.js';
import { gatherRows } from './gather-rows.js';
import { type AdamMoments, clipScale, type HostAdam, ppoAdam, type ScaledStep } from './host-adam.js';
import type { Learner, LearnerCarry } from './learner.js';
import type { GaussianPolicy } from './policy.js';
import { policyGradient } from './ppo-gradient.js';
import { type PpoState, parsePpoState } from './ppo-state.js';
import { inlineValuePart, threadValuePart, type ValuePart } from './ppo-value-thread.js';
import { RewardScaler } from './reward-scaler.js';
import type { RolloutBatch } from './rollout.js';

export const ppoConfigSchema = z
  .object({
    algo: z.literal('ppo'),
    /** Adam learning rate. */
    learningRate: z.number().positive().max(1).default(1e-3),
    /** Anneal the learning rate linearly to 0 over the updates of one adapt call (or of the carried run's schedule). */
    annealLr: z.boolean().default(true),
    /** Divide rewards by the running std of the discounted return (reward-scaler.ts), kept across updates. */
    normalizeRewards: z.boolean().default(true),
    /** Discount factor. */
    gamma: z.number().min(0).max(1).default(0.99),
    /** GAE lambda. */
    gaeLambda: z.number().min(0).max(1).default(0.95),
    /** Passes over each batch (at most 1,000). */
    updateEpochs: z.number().int().min(1).max(1_000).default(10),
    /** Minibatches per pass. */
    numMinibatches: z.number().int().min(1).max(4096).default(32),
    /** Surrogate clipping coefficient. */
    clipCoef: z.number().positive().default(0.2),
    /** Clip the value loss around the old values too (by clipCoef: sized for normalized rewards). */
    clipVloss: z.boolean().default(true),
    /** Entropy bonus coefficient. */
    entCoef: z.number().min(0).default(0),
    /** Value loss coefficient. */
    vfCoef: z.number().min(0).default(0.5),
    /** Global gradient norm clip. */
    maxGradNorm: z.number().positive().default(0.5),
    /** Normalize advantages within each minibatch. */
    normalizeAdvantages: z.boolean().default(true),
    /** Stop an update's epochs early once the approximate KL exceeds this (null: never). */
    targetKl: z.number().positive().nullable().default(null),
  })
  .strict();

export type PpoConfig = z.output<typeof ppoConfigSchema>;

export class PpoLearner implements Learner {
  readonly name = 'ppo';

  constructor(readonly config: PpoConfig) {}

  readonly adapt: Learner['adapt'] = async (policy, venv, budget, seed, hooks, options = {}) => {
    if (!policy.hasValue) throw new TerrariumError('policy.valueFunction', false, 'true for ppo');
    if (options.stepScales || options.finalGradient) {
      throw new TerrariumError('learner.algo', 'ppo', '"vpg" for per-parameter step sizes (metaSgd)');
    }
    if (options.keepBatches) throw new TerrariumError('learner.algo', 'ppo', '"context" to keep its batches');
    const cfg = this.config;
    const carried = parsePpoState(options.carry?.state);
    const optimizer = resumedAdam(cfg.learningRate, carried?.policyAdam);
    const rng = new Rng(deriveSeed(seed, 0x70706f));
    const scaler = cfg.normalizeRewards ? new RewardScaler(cfg.gamma, carried?.rewards ?? undefined) : null;
    // With rollouts on several threads the value net's update gets a thread of its own too (same results).
    const value =
      (options.collector?.threads ?? 1) > 1
        ? await threadValuePart(policy, cfg, cfg.learningRate, carried?.valueAdam ?? null)
        : inlineValuePart(cfg, resumedAdam(cfg.learningRate, carried?.valueAdam));
    try {
      const result = await adaptLoop(
        {
          policy,
          venv,
          budget,
          seed,
          hooks,
          collector: options.collector,
          ...(options.priorBatches ? { priorBatches: options.priorBatches } : {}),
        },
        {
          needsValues: true,
          update: (p, batch, _u, progress) => {
            if (cfg.annealLr)
              optimizer.learningRate = cfg.learningRate * (1 - runProgress(progress, options.carry));
            return this.update(p, batch, optimizer, value, rng, scaler);
          },
        },
      );
      if (!options.carry) return result;
      const state: PpoState = {
        policyAdam: optimizer.moments() ?? carried?.policyAdam ?? null,
        valueAdam: value.moments() ?? carried?.valueAdam ?? null,
        rewards: scaler?.stats() ?? null,
      };
      return { ...result, state };
    } finally {
      optimizer.dispose();
      await value.close();
    }
  };

  private update(
    p: GaussianPolicy,
    batch: RolloutBatch,
    optimizer: ScaledStep,
    value: ValuePart,
    rng: Rng,
    scaler: RewardScaler | null,
  ) {
    const cfg = this.config;
    const rewards = scaler ? scaler.scale(batch.rewards, batch.timesteps) : batch.rewards;
    const { advantages, returns } = gae(rewards, batch.values, batch, cfg.gamma, cfg.gaeLambda);
    const n = batch.size;
    const minibatchSize = Math.max(1, Math.floor(n / cfg.numMinibatches));
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const info = { pgLoss: 0, vLoss: 0, entropy: 0, approxKl: 0, clipFrac: 0, epochs: 0 };
    value.begin(
      p,
      { normObs: batch.normObs, returns, values: batch.values, n, obsDim: batch.obsDim },
      optimizer.learningRate,
      minibatchSize,
    );
    const piVariables = p.variablesOf('pi');
    const { obsDim, actDim } = batch;
    for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
      shuffle(order, rng);
      value.epoch(order);
      for (let start = 0; start + minibatchSize <= n; start += minibatchSize) {
        // The statistics are reported once an epoch (the last minibatch's), so the other minibatches skip them.
        const lastOfEpoch = start + 2 * minibatchSize > n;
        const idx = order.subarray(start, start + minibatchSize);
        tf.tidy(() => {
          const mbAdvantages = gatherRows(advantages, 1, idx);
          const mb = {
            obs: tf.tensor2d(gatherRows(batch.normObs, obsDim, idx), [idx.length, obsDim]),
            actions: gatherRows(batch.actions, actDim, idx),
            logProbs: gatherRows(batch.logProbs, 1, idx),
            advantages: cfg.normalizeAdvantages ? normalizeAdvantages(mbAdvantages) : mbAdvantages,
          };
          const pi = policyGradient(p, mb, cfg, lastOfEpoch);
          const piSumSq = optimizer.squaredNorm(piVariables, pi.grads);
          const vSumSq = value.gradient(start, lastOfEpoch, piSumSq);
          // The global norm over both halves, as one optimizer over all the parameters would clip it.
          const scale = clipScale(piSumSq + vSumSq, cfg.maxGradNorm);
          optimizer.stepWithScale(piVariables, pi.grads, scale);
          value.step(scale);
          if (pi.stats) Object.assign(info, pi.stats);
        });
      }
      info.epochs = epoch + 1;
      if (cfg.targetKl !== null && info.approxKl > cfg.targetKl) break;
    }
    info.vLoss = value.end();
    return info;
  }
}

/** PPO's Adam, continuing `moments` where an earlier call left them. */
function resumedAdam(learningRate: number, moments: AdamMoments | null | undefined): HostAdam {
  const adam = ppoAdam(learningRate);
  if (moments) adam.restore(moments);
  return adam;
}

/** How far along the run an update is: the call's own progress, mapped onto its share of a carried schedule. */
function runProgress(progress: number, carry: LearnerCarry | undefined): number {
  const schedule = carry?.schedule ?? { from: 0, to: 1 };
  return schedule.from + progress * (schedule.to - schedule.from);
}

/** Fisher-Yates with the seeded generator. */
function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
}
