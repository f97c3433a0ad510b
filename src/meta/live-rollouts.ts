/**
 * Display episodes for a live viewer: while (and only while) someone subscribes, runs episodes of the current policy
 * (mean actions, batch-1 typed forward) on the watched task, paced to real time (env dt / speed). Each episode emits
 * one scene event, then one frame event per control step. The loop yields to the event loop between steps, never
 * runs inside training's inner loop, and owns its env and policy: both are freed when the last subscriber leaves.
 * An unwatched run pays nothing: no env is built and no step is simulated.
 */
import { filter, type Observable as Obs, Observable, share, shareReplay } from 'rxjs';
import type { ObsNormState } from '../agents/obs-norm.js';
import { GaussianPolicy, type PolicyConfigInput } from '../agents/policy.js';
import { deriveSeed, Rng } from '../core/rng.js';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';
import { boxSize } from '../envs/spaces.js';
import type { FrameEvent, SceneEvent } from './events.js';

export interface LiveRolloutOptions {
  runId: string;
  envId: string;
  /** The policy architecture the params belong to. */
  policy: PolicyConfigInput;
  maxEpisodeSteps?: number;
  /** Called at the start of each episode: which task to show and at which inner step k its params are. */
  getTask: () => { task: unknown; taskIndex: number; k: number };
  /** Called right after getTask: the params (and obs-norm state) to show. */
  getParams: () => { params: Float32Array; obsNorm: unknown | null };
  /** Playback speed (1 = real time); values <= 0 are ignored. */
  speed$?: Obs<number>;
  paused$?: Obs<boolean>;
}

export interface LiveRollouts {
  scenes$: Obs<SceneEvent>;
  frames$: Obs<FrameEvent>;
}

export function liveRollouts(options: LiveRolloutOptions): LiveRollouts {
  const events$ = new Observable<SceneEvent | FrameEvent>((subscriber) => {
    let closed = false;
    let speed = 1;
    let paused = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let wake: (() => void) | null = null;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, Math.max(0, ms));
      });
    const speedSub = options.speed$?.subscribe((s) => {
      if (s > 0) speed = s;
    });
    const pausedSub = options.paused$?.subscribe((p) => {
      paused = p;
    });

    let env: Env<unknown> | null = null;
    let policy: GaussianPolicy | null = null;
    const loop = async () => {
      env = await makeEnv(options.envId, { maxEpisodeSteps: options.maxEpisodeSteps });
      if (closed) return;
      const obsDim = boxSize(env.observationSpace);
      const actDim = boxSize(env.actionSpace);
      const rng = new Rng(0);
      for (let episode = 0; !closed; episode++) {
        const { task, taskIndex, k } = options.getTask();
        const { params, obsNorm } = options.getParams();
        policy ??= GaussianPolicy.create(options.policy, obsDim, actDim, 0);
        policy.setParams(params);
        if (obsNorm) policy.setObsNorm(obsNorm as ObsNormState);
        let { obs } = env.reset({ task, seed: deriveSeed(0x5ce, episode) });
        subscriber.next({ runId: options.runId, episode, taskIndex, k, scene: env.describeScene() });
        let episodeReturn = 0;
        for (let step = 0; !closed; step++) {
          const started = performance.now();
          while (paused && !closed) await sleep(50);
          if (closed) break;
          const action = policy.act(obs, rng, true, { values: false }).actions;
          const result = env.step(action);
          episodeReturn += result.reward;
          subscriber.next({
            runId: options.runId,
            episode,
            step,
            reward: result.reward,
            episodeReturn,
            poses: env.poses(),
          });
          obs = result.obs;
          await sleep((env.dt * 1000) / speed - (performance.now() - started));
          if (result.terminated || result.truncated) break;
        }
      }
    };
    loop()
      .catch((error) => {
        if (!closed) subscriber.error(error);
      })
      .finally(() => {
        env?.close();
        policy?.dispose();
        env = null;
        policy = null;
      });
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      wake?.();
      speedSub?.unsubscribe();
      pausedSub?.unsubscribe();
    };
  });
  const shared$ = events$.pipe(share());
  return {
    // A late subscriber gets the scene of the episode being shown.
    scenes$: shared$.pipe(
      filter((e): e is SceneEvent => 'scene' in e),
      shareReplay({ bufferSize: 1, refCount: true }),
    ),
    frames$: shared$.pipe(filter((e): e is FrameEvent => 'poses' in e)),
  };
}
