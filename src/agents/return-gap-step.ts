/**
 * A Polyak-style inner step size: each VPG update's step is multiplied by how far the batch's mean return is from
 * the best return the task allows, c = clip((bestReturn - R) / typicalGap, minFactor, maxFactor).
 *
 * Why: with advantages normalized per batch, the policy gradient's length says nothing about how far the policy is
 * from good on this task, so one fixed step overshoots near goals and undershoots far ones (measured on ball-nav,
 * docs/results.md). Polyak's step size for a known optimum f* is (f - f*) / |g|^2; here |g| is roughly fixed by
 * the normalization and the rest of the scale is alpha (and Meta-SGD's learned multipliers). The factor uses only
 * the batch the update is computed from: no extra samples.
 */
import { z } from 'zod';

export const returnGapStepSchema = z
  .object({
    /** An upper bound of an episode's return (0 when every reward is <= 0). */
    bestReturn: z.number(),
    /** The gap bestReturn - R that gets factor 1. */
    typicalGap: z.number().positive(),
    /** The smallest factor (a batch at the best return still steps a little, so its gradient can be read back). */
    minFactor: z.number().positive().default(0.1),
    /** The largest factor (a far-off batch must not blow the policy up). */
    maxFactor: z.number().positive().default(4),
  })
  .strict()
  .refine((step) => step.minFactor <= step.maxFactor, {
    message: 'minFactor must be <= maxFactor',
    path: ['minFactor'],
  });

export type ReturnGapStep = z.output<typeof returnGapStepSchema>;

/** The step factor of an update computed from a batch whose mean episode return is `meanReturn`. */
export function returnGapFactor(step: ReturnGapStep, meanReturn: number): number {
  return Math.min(step.maxFactor, Math.max(step.minFactor, (step.bestReturn - meanReturn) / step.typicalGap));
}
