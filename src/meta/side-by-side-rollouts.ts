/**
 * Display episodes of several policies on one task at once (the meta-init and its adaptations after k = 1, 2, ...
 * updates), each robot in its own copy of the env (side-by-side-env.ts) on the same terrain, through the shared
 * display loop (display-episodes.ts): simulated only while someone watches, paced to real time.
 */
import { GaussianPolicy, type PolicyConfigInput } from '../agents/policy.js';
import { deriveSeed, Rng } from '../core/rng.js';
import { makeEnv } from '../envs/registry.js';
import type { RewardPreset } from '../envs/reward-presets.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import { boxSize } from '../envs/spaces.js';
import { type DisplayActor, type DisplayStreams, displayEpisodes } from './display-episodes.js';
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
  envId: string;
  robot?: RobotSpec;
  policy: PolicyConfigInput;
  maxEpisodeSteps?: number;
  reward?: RewardPreset;
  observeTask?: boolean;
  /** Most robots shown at once. */
  maxLanes: number;
  /** Called at the start of each episode: the task and the robots to show (at most maxLanes, at least one). */
  getLanes: () => { task: unknown; taskIndex: number; lanes: Lane[] };
  speed$?: DisplayStreamsOptions['speed$'];
}

type DisplayStreamsOptions = Parameters<typeof displayEpisodes>[0];

export function sideBySideRollouts(options: SideBySideOptions): DisplayStreams {
  const envOptions = {
    robot: options.robot,
    maxEpisodeSteps: options.maxEpisodeSteps,
    reward: options.reward,
    observeTask: options.observeTask,
  };
  const contextDim = options.policy.contextDim ?? 0;
  const actor = (): DisplayActor => {
    const policies: GaussianPolicy[] = [];
    const rng = new Rng(0);
    return {
      episode(env, episode) {
        const sideBySide = env as SideBySideEnv;
        const { task, taskIndex, lanes } = options.getLanes();
        const shown = lanes.slice(0, sideBySide.maxCopies);
        sideBySide.setActive(shown.length);
        const obsDim = boxSize(env.observationSpace);
        const actDim = boxSize(env.actionSpace);
        const acts = shown.map((lane, i) => {
          policies[i] ??= GaussianPolicy.create(options.policy, obsDim + contextDim, actDim, 0);
          return meanActions(policies[i]!, lane, contextDim, rng);
        });
        const actions = new Float32Array(shown.length * actDim);
        const act = (obs: Float32Array) => {
          acts.forEach((laneAct, i) => {
            actions.set(laneAct(obs.subarray(i * obsDim, (i + 1) * obsDim)), i * actDim);
          });
          return actions;
        };
        const k = shown[shown.length - 1]!.k;
        const laneKs = shown.map((lane) => lane.k);
        return { task, taskIndex, k, lanes: laneKs, seed: deriveSeed(0x5ce, episode), act };
      },
      close: () => {
        for (const policy of policies) policy.dispose();
      },
    };
  };
  return displayEpisodes({
    runId: options.runId,
    envId: options.envId,
    speed$: options.speed$,
    actor,
    makeEnv: async () => {
      const copies = [];
      for (let i = 0; i < options.maxLanes; i++) copies.push(await makeEnv(options.envId, envOptions));
      return new SideBySideEnv(copies);
    },
  });
}
