/**
 * Display episodes of the policy being trained, for a live viewer: each episode shows the current params (mean
 * actions, batch-1 typed forward) on the watched task, through the shared display loop (`display-episodes.ts`):
 * built only while someone watches, paced to real time, outside training's inner loop.
 */

import type { Observable as Obs } from 'rxjs';
import type { ObsNormState } from '../agents/obs-norm.js';
import { GaussianPolicy, type PolicyConfigInput } from '../agents/policy.js';
import { deriveSeed, Rng } from '../core/rng.js';
import type { Env } from '../envs/env.js';
import { boxSize } from '../envs/spaces.js';
import { type DisplayActor, type DisplayStreams, displayEpisodes, type RunEnv } from './display-episodes.js';

export interface LiveRolloutOptions {
  runId: string;
  /** The run's config (or what a policy records of it): its env, and the policy architecture the params fit. */
  run: RunEnv & { policy: PolicyConfigInput };
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
      episode(episode) {
        const { task, taskIndex, k } = options.getTask();
        const { params, obsNorm, context } = options.getParams();
        const actOn = (env: Env<unknown>) => {
          const contextDim = options.run.policy.contextDim ?? 0;
          policy ??= GaussianPolicy.create(
            options.run.policy,
            boxSize(env.observationSpace) + contextDim,
            boxSize(env.actionSpace),
            0,
          );
          return meanActions(policy, { params, obsNorm, context }, contextDim, rng);
        };
        return { task, taskIndex, k, seed: deriveSeed(0x5ce, episode), actOn };
      },
      close: () => policy?.dispose(),
    };
  };
  const { runId, run, speed$, paused$ } = options;
  return displayEpisodes({ runId, run, speed$, paused$, actor });
}
