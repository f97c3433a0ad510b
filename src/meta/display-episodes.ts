/**
 * The display loop of a live viewer: while (and only while) someone subscribes, plays episodes of an actor on an
 * env, paced to wall time (`fps` ticks a second times the playback speed, `framesPerTick` env steps a tick). Each
 * episode emits one scene event, then one frame event per env step. The loop yields to the event loop between
 * ticks and owns its env and actor: both are built when the first subscriber arrives and freed when the last one
 * leaves, so an unwatched run pays nothing. Who acts is the caller's: the trainer's current policy
 * (`live-rollouts.ts`) or the server's scripted demo (`server/demo-streams.ts`).
 */

import { filter, type Observable as Obs, Observable, share, shareReplay } from 'rxjs';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';
import type { RewardPreset } from '../envs/reward-presets.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import type { FrameEvent, SceneEvent } from './events.js';

/** What one episode shows: the task, where it sits in the meta-batch and adaptation, and the actions. */
export interface DisplayEpisode {
  task: unknown;
  taskIndex: number;
  k: number;
  /** Seed of the episode's env.reset. */
  seed: number;
  /** The actions on `env`, once it is reset to `task` (an actor sizes its policy from the env's spaces). */
  actOn(env: Env<unknown>): (obs: Float32Array) => Float32Array;
  /** Side by side (side-by-side-env.ts): the inner step k of each robot shown, copied into the scene event. */
  lanes?: number[];
}

/**
 * Built once per watching session (first subscriber); `close` frees what it holds when the last one leaves. The
 * first episode is asked for before the env exists: the env is built for its task, since a task can set the
 * observation's size (an oracle's task features: a crippled leg adds a one-hot).
 */
export interface DisplayActor {
  episode(episode: number): DisplayEpisode;
  close?(): void;
}

/** The env a run trains on, as its config names it: the display env is built the same way. */
export interface RunEnv {
  env: string;
  /** The robot of a legged env (absent: the shipped one). */
  robot?: RobotSpec;
  maxEpisodeSteps?: number;
  reward?: RewardPreset;
  /** The env appends the task's parameters to the observation (an oracle's policy). */
  observeTask?: boolean;
}

export interface DisplayEpisodesOptions {
  runId: string;
  run: RunEnv;
  actor: () => DisplayActor;
  /** Builds the env shown for the first task (default: makeEnv of `run`); e.g. several copies side by side. */
  makeEnv?: (task: unknown) => Promise<Env<unknown>>;
  /** Ticks per second of wall time at speed 1 (default: real time, 1 / env.dt). */
  fps?: number;
  /** Env steps per tick (default 1); more makes a fire hose for backpressure tests. */
  framesPerTick?: number;
  /** Playback speed (1 = real time); values <= 0 are ignored. */
  speed$?: Obs<number>;
  paused$?: Obs<boolean>;
}

export interface DisplayStreams {
  scenes$: Obs<SceneEvent>;
  frames$: Obs<FrameEvent>;
}

export function displayEpisodes(options: DisplayEpisodesOptions): DisplayStreams {
  const framesPerTick = options.framesPerTick ?? 1;
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
    let actor: DisplayActor | null = null;
    const loop = async () => {
      const episodes = options.actor();
      actor = episodes;
      let episode = 0;
      let shown = episodes.episode(episode);
      const { env: id, robot, maxEpisodeSteps, reward, observeTask } = options.run;
      env = options.makeEnv
        ? await options.makeEnv(shown.task)
        : await makeEnv(id, { task: shown.task, robot, maxEpisodeSteps, reward, observeTask });
      if (closed) return;
      const tickMs = () => 1000 / ((options.fps ?? 1 / env!.dt) * speed);
      let act: (obs: Float32Array) => Float32Array = () => new Float32Array(0);
      let obs: Float32Array = new Float32Array(0);
      let step = 0;
      let episodeReturn = 0;
      const start = (e: Env<unknown>) => {
        obs = e.reset({ task: shown.task, seed: shown.seed }).obs;
        act = shown.actOn(e);
        step = 0;
        episodeReturn = 0;
        const { taskIndex, k, lanes } = shown;
        const scene = e.describeScene();
        subscriber.next({ runId: options.runId, episode, taskIndex, k, scene, ...(lanes ? { lanes } : {}) });
      };
      start(env);
      while (!closed) {
        const started = performance.now();
        while (paused && !closed) await sleep(50);
        for (let i = 0; i < framesPerTick && !closed; i++) {
          const result = env.step(act(obs));
          episodeReturn += result.reward;
          const poses = env.poses();
          subscriber.next({
            runId: options.runId,
            episode,
            step,
            reward: result.reward,
            episodeReturn,
            poses,
          });
          obs = result.obs;
          step++;
          if (result.terminated || result.truncated) {
            shown = episodes.episode(++episode);
            start(env);
          }
        }
        await sleep(tickMs() - (performance.now() - started));
      }
    };
    loop()
      .catch((error) => {
        if (!closed) subscriber.error(error);
      })
      .finally(() => {
        env?.close();
        actor?.close?.();
        env = null;
        actor = null;
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
