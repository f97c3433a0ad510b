/**
 * What PPO carries from one `adapt` call to the next (keepLearnerState): both Adams' moments and the reward
 * statistics. It comes back from a checkpoint file, so it is checked before use: a hand-edited or truncated state is
 * an error naming the field, not a NaN in the first update.
 */
import { z } from 'zod';
import { parseWith } from '../core/errors.js';
import type { AdamMoments } from './host-adam.js';
import type { RewardStats } from './reward-scaler.js';

export interface PpoState {
  policyAdam: AdamMoments | null;
  valueAdam: AdamMoments | null;
  rewards: RewardStats | null;
}

const finiteValues = (values: Float64Array) => values.every(Number.isFinite);

const adamSchema = z
  .object({
    t: z.number().int().nonnegative(),
    m: z.instanceof(Float64Array).refine(finiteValues, 'finite numbers'),
    v: z
      .instanceof(Float64Array)
      .refine((v) => finiteValues(v) && v.every((x) => x >= 0), 'finite numbers >= 0'),
  })
  .strict()
  .refine((adam) => adam.m.length === adam.v.length, { message: 'm and v of the same length', path: ['v'] });

const rewardsSchema = z
  .object({
    count: z.number().int().nonnegative(),
    mean: z.number().finite(),
    m2: z.number().finite().nonnegative(),
  })
  .strict();

const ppoStateSchema = z
  .object({
    policyAdam: adamSchema.nullable(),
    valueAdam: adamSchema.nullable(),
    rewards: rewardsSchema.nullable(),
  })
  .strict();

/** The carried state, checked; null or undefined (nothing carried yet) stays null. */
export function parsePpoState(state: unknown): PpoState | null {
  if (state === null || state === undefined) return null;
  return parseWith(ppoStateSchema, state, 'learnerState');
}
