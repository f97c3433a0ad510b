/**
 * Display episodes of the policy being trained, for a live viewer: each episode shows the current params (mean
 * actions, batch-1 typed forward) on the watched task, through the shared display loop (`display-episodes.ts`):
 * built only while someone watches, paced to real time, outside training's inner loop.
 */

import type { Observable as Obs } from 'rxjs';
import type { ObsNormState } from '../agents/obs-norm.js';
import { GaussianPolicy, type PolicyConfigInput } from '../agents/policy.js';
import { deriveSeed, Rng } from '../core/rng.js';
import type { RewardPreset } from '../envs/reward-presets.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import { boxSize } from '../envs/spaces.js';
import { type DisplayActor, type DisplayStreams, displayEpisodes } from './display-episodes.js';

export interface LiveRolloutOptions {
  runId: string;
  envId: string;
  /** The robot of a legged env (absent: the shipped one). */
  robot?: RobotSpec;
  /** The policy architecture the params belong to. */
  policy: PolicyConfigInput;
  maxEpisodeSteps?: number;
  reward?: RewardPreset;
  observeTask?: boolean;
  /** Called at the start of each episode: which task to show and at which inner step k its params are. */
  getTask: () => { task: unknown; taskIndex: number; k: number };
  /** Called right after getTask: the params (and obs-norm state, and task context if any) to show. */
  getParams: () => { params: Float32Array; obsNorm: unknown | null; context?: Float32Array | null };
  /** Playback speed (1 = real time); values <= 0 are ignored. */
  speed$?: Obs<number>;
  paused$?: Obs<boolean>;
}

export type LiveRollouts = DisplayStreams;

/** `policy` set to `shown`; its mean action for an observation, the context (zeros if none) appended. */
export function meanActions(
  policy: GaussianPolicy,
  shown: { params: Float32Array; obsNorm: unknown | null; context?: Float32Array | null },
  contextDim: number,
  rng: Rng,
): (obs: Float32Array) => Float32Array {
  policy.setParams(shown.params);
  if (shown.obsNorm) policy.setObsNorm(shown.obsNorm as ObsNormState);
  // The policy's context inputs: the adapted context, or zeros (what every task starts from).
  const input = new Float32Array(policy.obsDim);
  if (shown.context) input.set(shown.context, policy.obsDim - contextDim);
  return (obs) => {
    input.set(obs);
    return policy.act(input, rng, true, { values: false }).actions;
  };
}

export function liveRollouts(options: LiveRolloutOptions): LiveRollouts {
  const actor = (): DisplayActor => {
    let policy: GaussianPolicy | null = null;
    const rng = new Rng(0);
    return {
      episode(env, episode) {
        const { task, taskIndex, k } = options.getTask();
        const { params, obsNorm, context } = options.getParams();
        const contextDim = options.policy.contextDim ?? 0;
        policy ??= GaussianPolicy.create(
          options.policy,
          boxSize(env.observationSpace) + contextDim,
          boxSize(env.actionSpace),
          0,
        );
        const act = meanActions(policy, { params, obsNorm, context }, contextDim, rng);
        return { task, taskIndex, k, seed: deriveSeed(0x5ce, episode), act };
      },
      close: () => policy?.dispose(),
    };
  };
  const { runId, envId, robot, maxEpisodeSteps, reward, observeTask, speed$, paused$ } = options;
  return displayEpisodes({
    runId,
    envId,
    robot,
    maxEpisodeSteps,
    reward,
    observeTask,
    speed$,
    paused$,
    actor,
  });
}
