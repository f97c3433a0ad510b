import type { Observable } from 'rxjs';
import type { SceneDescription } from '../envs/env.js';

/**
 * What training publishes for anyone to watch (the live viewer subscribes; training never waits for it).
 * All payloads are plain data; `poses` is the env's `poses()` array.
 */
export interface RunInfo {
  runId: string;
  env: string;
  algo: string;
  backend: string;
  startedAt: string;
}

/** Per meta-iteration summary (the same numbers as a metrics.jsonl line). */
export interface MetricsEvent {
  runId: string;
  iteration: number;
  returnBefore: number;
  returnAfter: number;
  eps: number;
  envSteps: number;
  wallSeconds: number;
}

/** One inner step of adapting to one task: return after k updates (k = 0 is the unadapted init). */
export interface AdaptationEvent {
  runId: string;
  iteration: number;
  taskIndex: number;
  task: unknown;
  k: number;
  return: number;
  /** Legged envs: the batch's mean speed along the task's direction (m/s), as eval reports it. */
  meanSpeed?: number;
}

/** Where the task being adapted came from: a page (by its connection id) or the replayed run's task list. */
export type TaskSource =
  | { kind: 'page'; connectionId: number }
  | { kind: 'tasks'; split: 'test' | 'train'; index: number };

/** The task the replay adapts to now, sent to every page (`terrarium view`). */
export interface AdaptingEvent {
  runId: string;
  task: unknown;
  taskIndex: number;
  source: TaskSource;
  /** The inner updates shown beside the meta-init: k = 1..steps. */
  steps: number;
}

/** A new episode to draw: the scene (robot, terrain, goal) of the env copy being shown. */
export interface SceneEvent {
  runId: string;
  episode: number;
  taskIndex: number;
  k: number;
  scene: SceneDescription;
  /**
   * Side by side: the inner step k of each robot in the scene, in order (each robot has scene.bodies.length / lanes
   * bodies, in its own physics world on the same terrain). Absent: one robot at `k`.
   */
  lanes?: number[];
}

/** One control step of the episode being shown. */
export interface FrameEvent {
  runId: string;
  episode: number;
  step: number;
  reward: number;
  episodeReturn: number;
  poses: Float32Array;
}

/**
 * The streams of one run. `scenes$` and `frames$` are cold: an episode is simulated for display only while someone
 * subscribes; `metrics$` and `adaptation$` are hot and always published.
 */
export interface TrainingStreams {
  info: RunInfo;
  metrics$: Observable<MetricsEvent>;
  adaptation$: Observable<AdaptationEvent>;
  scenes$: Observable<SceneEvent>;
  frames$: Observable<FrameEvent>;
  /** Runs whose jobs go to a queue: the `terrarium worker` processes serving it, sampled about once a second. */
  workers$?: Observable<WorkersEvent>;
  /** A replay's current task and who chose it (`terrarium view`). */
  adapting$?: Observable<AdaptingEvent>;
}

/** Who is adapting a queue run's tasks: worker names (host:pid) and the jobs waiting and running. */
export interface WorkersEvent {
  runId: string;
  workers: number;
  names: string[];
  waiting: number;
  active: number;
}
