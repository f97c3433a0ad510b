/**
 * Display episodes of several policies on one task at once (the meta-init and its adaptations after k = 1, 2, ...
 * updates), each robot in its own copy of the env (side-by-side-env.ts) on the same terrain, through the shared
 * display loop (display-episodes.ts): simulated only while someone watches, paced to real time.
 */
import type { Observable } from 'rxjs';
import { GaussianPolicy, type PolicyConfigInput } from '../agents/policy.js';
import { deriveSeed, Rng } from '../core/rng.js';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';
import { boxSize } from '../envs/spaces.js';
import { type DisplayActor, type DisplayStreams, displayEpisodes, type RunEnv } from './display-episodes.js';
import { meanActions } from './live-rollouts.js';
import { SideBySideEnv } from './side-by-side-env.js';

/** One robot of the side-by-side display: the params after k inner updates (and the adapted context, if any). */
export interface Lane {
  k: number;
  params: Float32Array;
  obsNorm: unknown | null;
  context: Float32Array | null;
}

export interface SideBySideOptions {
  runId: string;
  /** The run's config: its env, and the policy architecture the params fit. */
  run: RunEnv & { policy: PolicyConfigInput };
  /** Most robots shown at once. */
  maxLanes: number;
  /** Called at the start of each episode: the task and the robots to show (at most maxLanes, at least one). */
  getLanes: () => { task: unknown; taskIndex: number; lanes: Lane[] };
  speed$?: Observable<number>;
}

export function sideBySideRollouts(options: SideBySideOptions): DisplayStreams {
  const { env: envId, robot, maxEpisodeSteps, reward, observeTask, policy: policyConfig } = options.run;
  const contextDim = policyConfig.contextDim ?? 0;
  // The env of the current watching session, and the robots its next episode shows (set before it is reset).
  let shownEnv: SideBySideEnv | null = null;
  let activeLanes = 1;
  const actor = (): DisplayActor => {
    const policies: GaussianPolicy[] = [];
    const rng = new Rng(0);
    return {
      episode(episode) {
        const { task, taskIndex, lanes } = options.getLanes();
        const shown = lanes.slice(0, options.maxLanes);
        activeLanes = shown.length;
        shownEnv?.setActive(activeLanes);
        const actOn = (env: Env<unknown>) => {
          const obsDim = boxSize(env.observationSpace);
          const actDim = boxSize(env.actionSpace);
          const acts = shown.map((lane, i) => {
            policies[i] ??= GaussianPolicy.create(policyConfig, obsDim + contextDim, actDim, 0);
            return meanActions(policies[i]!, lane, contextDim, rng);
          });
          const actions = new Float32Array(shown.length * actDim);
          return (obs: Float32Array) => {
            acts.forEach((laneAct, i) => {
              actions.set(laneAct(obs.subarray(i * obsDim, (i + 1) * obsDim)), i * actDim);
            });
            return actions;
          };
        };
        const k = shown[shown.length - 1]!.k;
        const laneKs = shown.map((lane) => lane.k);
        return { task, taskIndex, k, lanes: laneKs, seed: deriveSeed(0x5ce, episode), actOn };
      },
      close: () => {
        for (const policy of policies) policy.dispose();
        shownEnv = null;
      },
    };
  };
  return displayEpisodes({
    runId: options.runId,
    run: options.run,
    speed$: options.speed$,
    actor,
    makeEnv: async (task) => {
      const copies: Env<unknown>[] = [];
      for (let i = 0; i < options.maxLanes; i++)
        copies.push(await makeEnv(envId, { task, robot, maxEpisodeSteps, reward, observeTask }));
      shownEnv = new SideBySideEnv(copies);
      shownEnv.setActive(activeLanes);
      return shownEnv;
    },
  });
}
