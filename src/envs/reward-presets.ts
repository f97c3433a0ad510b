/**
 * Named, versioned reward presets of the legged envs. A preset fixes the form of the terms; the weights come from
 * the robot spec (`reward` for "gymnasium", `reward.maml` for "maml"), so a custom robot states its own.
 *
 *   maml       the MAML paper's rllab locomotion envs (Finn et al. 2017; rllab `ant_env_rand_direc.py`,
 *              `ant_env_rand.py`, `half_cheetah_env_rand*.py`): forward = the root's velocity along the task's
 *              direction at the end of the step (rllab's torso comvel); velocity tasks -|v - v*|; a survive reward
 *              while healthy; ctrlCost = -w |a / scale|^2 with `scale` the half-range of the action (1 here); for the
 *              ant a contact cost -w_c sum clip(cfrc_ext, -1, 1)^2 over every body's contact wrench (force and
 *              torque about its centre of mass, N and N m).
 *   gymnasium  Gymnasium's v4/v5 Ant and HalfCheetah: forward = displacement of the root over the step / dt;
 *              healthy reward while healthy; ctrlCost = -w |a|^2; a contact cost as "maml"'s (Gymnasium v4/v5
 *              Ant's) only when the spec sets contactCostWeight. Terrarium's reward before presets existed (every
 *              result measured before them used it).
 * Both scale the forward term by the spec's forwardRewardWeight (default 1).
 */
import { z } from 'zod';

export const REWARD_PRESETS = ['maml', 'gymnasium'] as const;
export type RewardPreset = (typeof REWARD_PRESETS)[number];
export const rewardPresetSchema = z.enum(REWARD_PRESETS);
export const DEFAULT_REWARD_PRESET: RewardPreset = 'maml';

export const rewardWeightsSchema = z
  .object({
    /** Multiplies the forward term (velocity along the goal direction, or the velocity-tracking error). */
    forwardRewardWeight: z.number().min(0).default(1),
    ctrlCostWeight: z.number().min(0).default(0.1),
    /** Survive (healthy) reward a step while healthy. */
    healthyReward: z.number().min(0).default(0),
    /** Weight of the contact cost, either preset (0: not computed). */
    contactCostWeight: z.number().min(0).default(0),
  })
  .strict();
export type RewardWeights = z.infer<typeof rewardWeightsSchema>;
