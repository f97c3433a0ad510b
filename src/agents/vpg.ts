/**
 * VPG: REINFORCE with a baseline and a plain SGD step of size alpha on the policy parameters (mean MLP + log-std),
 * the inner loop of MAML (Finn et al. 2017) and of Reptile on RL tasks. Each update:
 *   1. rollout: `episodesPerUpdate` episodes with the current policy;
 *   2. advantages: A_t = GAE(gamma, gaeLambda) against the baseline (gaeLambda = 1: returns minus baseline),
 *      optionally normalized;
 *   3. update: theta <- theta + alpha * c * grad mean_t[ log pi(a_t | s_t) A_t ], c = 1, or with `returnGapStep` a
 *      factor from the batch's mean return (return-gap-step.ts);
 *   4. the baseline: 'linear' is refit on this batch's returns before step 2 (MAML's choice); 'value' uses the
 *      policy's value MLP and fits it with `valueEpochs` full-batch Adam steps after step 3; 'none' uses 0.
 * With the linear baseline, a truncated episode is not bootstrapped: the time feature makes the baseline a
 * finite-horizon estimate, as in the MAML experiments. With the value MLP, truncation bootstraps from V(final obs).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { adaptLoop } from './adapt-loop.js';
import { gae, normalizeAdvantages } from './advantages.js';
import { explorationGradient } from './exploration-gradient.js';
import type { AdaptResult, Learner } from './learner.js';
import { fitLinearBaseline } from './linear-baseline.js';
import type { GaussianPolicy } from './policy.js';
import { returnGapFactor, returnGapStepSchema } from './return-gap-step.js';
import { meanReturn, type RolloutBatch } from './rollout.js';

export const vpgConfigSchema = z
  .object({
    algo: z.literal('vpg'),
    /** Inner step size alpha of the plain SGD step. */
    alpha: z.number().positive().max(10).default(0.3),
    /** Discount factor. */
    gamma: z.number().min(0).max(1).default(0.99),
    /** GAE lambda; 1 gives Monte Carlo returns minus the baseline (REINFORCE). */
    gaeLambda: z.number().min(0).max(1).default(1),
    /** Baseline: refit linear features, the policy's value MLP, or none. */
    baseline: z.enum(['linear', 'value', 'none']).default('linear'),
    /** Normalize advantages to mean 0, std 1 within a batch. */
    normalizeAdvantages: z.boolean().default(true),
    /** Clip the policy gradient's global norm to this (null: no clipping). */
    maxGradNorm: z.number().positive().nullable().default(null),
    /** Adam learning rate for fitting the value MLP ('value' baseline). */
    valueLearningRate: z.number().positive().default(1e-3),
    /** Full-batch Adam steps on the value loss per update ('value' baseline); at most 10,000. */
    valueEpochs: z.number().int().min(0).max(10_000).default(10),
    /** Scale each step by the batch's distance from the best return (Polyak-style; null: a fixed step). */
    returnGapStep: returnGapStepSchema.nullable().default(null),
  })
  .strict();

export type VpgConfig = z.output<typeof vpgConfigSchema>;

export class VpgLearner implements Learner {
  readonly name = 'vpg';

  constructor(readonly config: VpgConfig) {}

  readonly adapt: Learner['adapt'] = async (policy, venv, budget, seed, hooks, options = {}) => {
    const cfg = this.config;
    const { stepScales } = options;
    if (options.carry) throw new TerrariumError('learner.algo', 'vpg', '"ppo" to keep the learner state');
    if (options.priorBatches)
      throw new TerrariumError('learner.algo', 'vpg', '"ppo" to learn from prior batches');
    if (options.keepBatches) throw new TerrariumError('learner.algo', 'vpg', '"context" to keep its batches');
    for (const [j, scales] of (stepScales ?? []).entries()) {
      if (scales.length !== policy.numParams) {
        throw new TerrariumError(
          `stepScales[${j}]`,
          `length ${scales.length}`,
          `${policy.numParams} numbers`,
        );
      }
    }
    if (stepScales?.length === 0) throw new TerrariumError('stepScales', '[]', 'at least one vector');
    if (options.explorationGradient && budget.updates !== 2) {
      throw new TerrariumError('updates', budget.updates, '2 with the exploration gradient');
    }
    if (options.explorationGradient && cfg.returnGapStep) {
      throw new TerrariumError('learner.returnGapStep', 'set', 'null with the exploration gradient');
    }
    let finalGradient: Float32Array | undefined;
    let firstBatch: { batch: RolloutBatch; advantages: Float32Array } | undefined;
    if (cfg.baseline === 'value' && !policy.hasValue) {
      throw new TerrariumError('policy.valueFunction', false, 'true for the vpg "value" baseline');
    }
    const valueOptimizer = cfg.baseline === 'value' ? tf.train.adam(cfg.valueLearningRate) : null;
    try {
      return await adaptLoop(
        { policy, venv, budget, seed, hooks, collector: options.collector },
        {
          needsValues: cfg.baseline === 'value',
          update: (p, batch, u) => {
            const advantages = this.advantages(batch);
            if (u === 0 && options.explorationGradient) firstBatch = { batch, advantages };
            const scales = stepScales?.[Math.min(u, stepScales.length - 1)];
            const factor = cfg.returnGapStep ? returnGapFactor(cfg.returnGapStep, meanReturn(batch)) : 1;
            const info = {
              policyLoss: this.policyStep(p, batch, advantages, factor, scales),
              stepFactor: factor,
            };
            if (valueOptimizer) Object.assign(info, { valueLoss: fitValue(p, batch, valueOptimizer, cfg) });
            return info;
          },
          measured: options.finalGradient
            ? (p, batch) => {
                finalGradient = this.policyGradient(p, batch, this.advantages(batch));
              }
            : undefined,
        },
      ).then((result) => {
        const extra = firstBatch
          ? { explorationGradient: this.exploration(result, firstBatch, stepScales) }
          : {};
        return { ...result, ...extra, ...(finalGradient ? { finalGradient } : {}) };
      });
    } finally {
      valueOptimizer?.dispose();
    }
  };

  /** The sampling term of a 2-update adaptation: v = alpha * m0 * g_1 = (theta_2 - theta_1) * m0 / m1. */
  private exploration(
    result: AdaptResult,
    first: { batch: RolloutBatch; advantages: Float32Array },
    stepScales: readonly Float32Array[] | undefined,
  ): Float32Array {
    const [theta0, theta1] = result.paramsBeforeUpdates as [Float32Array, Float32Array];
    const theta2 = result.policy.getParams();
    const m0 = stepScales?.[0];
    const m1 = stepScales?.[Math.min(1, stepScales.length - 1)];
    const v = theta2.map((x, i) => ((x - theta1[i]!) * (m0?.[i] ?? 1)) / (m1?.[i] ?? 1));
    const scratch = result.policy.clone();
    try {
      return explorationGradient(scratch, first.batch, first.advantages, theta0, v);
    } finally {
      scratch.dispose();
    }
  }

  private advantages(batch: RolloutBatch): Float32Array {
    const cfg = this.config;
    let baseline = batch.values;
    let ends = batch as Pick<RolloutBatch, 'terminated' | 'truncated' | 'bootstrapValues'>;
    if (cfg.baseline !== 'value') {
      ends = { ...ends, bootstrapValues: new Float32Array(batch.size) };
      baseline = new Float32Array(batch.size);
    }
    if (cfg.baseline === 'linear') {
      const returns = gae(batch.rewards, baseline, ends, cfg.gamma, 1).returns;
      baseline = fitLinearBaseline(batch.normObs, batch.timesteps, batch.obsDim, returns).fitted;
    }
    const { advantages } = gae(batch.rewards, baseline, ends, cfg.gamma, cfg.gaeLambda);
    return cfg.normalizeAdvantages ? normalizeAdvantages(advantages) : advantages;
  }

  /**
   * theta <- theta - alpha * factor * scales * grad(-mean(log pi * A)) (scales: per-parameter step multipliers,
   * default 1); returns the surrogate loss before the step.
   */
  private policyStep(
    p: GaussianPolicy,
    batch: RolloutBatch,
    advantages: Float32Array,
    factor: number,
    stepScales?: Float32Array,
  ): number {
    const { alpha, maxGradNorm } = this.config;
    return tf.tidy(() => {
      const specs = p.specsOf('pi');
      const { value, grads } = surrogateGrads(p, batch, advantages);
      const scale = maxGradNorm === null ? 1 : clipScale(Object.values(grads), maxGradNorm);
      p.variablesOf('pi').forEach((v, i) => {
        let step = grads[v.name]!.mul(alpha * factor * scale);
        if (stepScales) {
          const { offset, size, shape } = specs[i]!;
          step = step.mul(tf.tensor(stepScales.subarray(offset, offset + size), shape, 'float32'));
        }
        v.assign(v.sub(step));
      });
      return value.dataSync()[0]!;
    });
  }

  /** grad mean_t[log pi(a_t | s_t) A_t] (the ascent direction) as a flat vector in the policy's order; 0 for vf. */
  private policyGradient(p: GaussianPolicy, batch: RolloutBatch, advantages: Float32Array): Float32Array {
    return tf.tidy(() => p.flatPolicyGradient(surrogateGrads(p, batch, advantages).grads, -1));
  }
}

/** The surrogate loss -mean(log pi * A) and its gradients w.r.t. the policy variables (inside a tidy). */
function surrogateGrads(p: GaussianPolicy, batch: RolloutBatch, advantages: Float32Array) {
  const x = tf.tensor2d(batch.normObs, [batch.size, batch.obsDim]);
  const a = tf.tensor2d(batch.actions, [batch.size, batch.actDim]);
  const adv = tf.tensor1d(advantages);
  return tf.variableGrads(
    () => p.logProbTensor(x, a).mul(adv).mean().neg() as tf.Scalar,
    p.variablesOf('pi'),
  );
}

/** min(1, maxNorm / global norm of `grads`) as a number. */
export function clipScale(grads: tf.Tensor[], maxNorm: number): number {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => g.square().sum()))).dataSync()[0]!);
  return norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}

/** Full-batch Adam steps of 0.5 (V(s) - G)^2 on the value MLP; returns the last loss. */
function fitValue(p: GaussianPolicy, batch: RolloutBatch, optimizer: tf.Optimizer, cfg: VpgConfig): number {
  const returns = gae(batch.rewards, new Float32Array(batch.size), batch, cfg.gamma, 1).returns;
  let loss = Number.NaN;
  tf.tidy(() => {
    const x = tf.tensor2d(batch.normObs, [batch.size, batch.obsDim]);
    const target = tf.tensor1d(returns);
    const vars = p.variablesOf('vf');
    for (let e = 0; e < cfg.valueEpochs; e++) {
      const { value, grads } = tf.variableGrads(
        () => p.valueTensor(x).sub(target).square().mean().mul(0.5) as tf.Scalar,
        vars,
      );
      optimizer.applyGradients(grads);
      if (e === cfg.valueEpochs - 1) loss = value.dataSync()[0]!;
    }
  });
  return loss;
}
