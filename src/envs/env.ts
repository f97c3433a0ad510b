import type { Box } from './spaces.js';

/** What `reset` returns. */
export interface ResetResult {
  obs: Float32Array;
  info: Record<string, unknown>;
}

/** Per-step info; `rewardTerms` sums to the reward, costs as negative numbers. */
export interface StepInfo {
  rewardTerms: Record<string, number>;
  /** Set when the episode ended for a reason other than the task itself, e.g. "physics_unstable". */
  reason?: string;
  /** Vector env only: the last observation of an episode that was just auto-reset. */
  finalObs?: Float32Array;
  [key: string]: unknown;
}

export interface StepResult {
  obs: Float32Array;
  reward: number;
  /** The task itself ended (fell over, reached the goal, physics blew up). Learners do not bootstrap. */
  terminated: boolean;
  /** We stopped it (time limit). Learners bootstrap from the value estimate. */
  truncated: boolean;
  info: StepInfo;
}

export interface ResetOptions<Task> {
  seed?: number;
  task?: Task;
}

/**
 * Gymnasium's Env contract. A task is plain JSON; the env owns its Rapier world and frees it in `close()`.
 */
export interface Env<Task = unknown> {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** Steps per episode before `truncated` (the time limit); control timestep is `dt` seconds. */
  readonly maxEpisodeSteps: number;
  readonly dt: number;
  readonly task: Task;
  reset(options?: ResetOptions<Task>): ResetResult;
  step(action: ArrayLike<number>): StepResult;
  /** Changes the task; takes effect at the next `reset`. */
  setTask(task: Task): void;
  describeScene(): SceneDescription;
  /** position (x, y, z) + quaternion (x, y, z, w) per body, in `describeScene().bodies` order. */
  poses(): Float32Array;
  close(): void;
}

export type Vec3 = [number, number, number];
export type Quat = [number, number, number, number];

export type ShapeDescription =
  | { type: 'box'; halfExtents: Vec3; offset: Vec3; rotation: Quat; color: string }
  | { type: 'sphere'; radius: number; offset: Vec3; rotation: Quat; color: string }
  | { type: 'capsule'; radius: number; halfHeight: number; offset: Vec3; rotation: Quat; color: string }
  | { type: 'cylinder'; radius: number; halfHeight: number; offset: Vec3; rotation: Quat; color: string }
  | {
      type: 'heightfield';
      /** (nx + 1) x (nz + 1) vertex heights, index ix * (nz + 1) + iz, spanning `size` metres (x, z), centred on `offset`. */
      nx: number;
      nz: number;
      heights: number[];
      size: [number, number];
      offset: Vec3;
      rotation: Quat;
      color: string;
    };

export interface BodyDescription {
  name: string;
  shapes: ShapeDescription[];
}

/** Everything a viewer needs to draw an env; Y is up, shapes are in body-local coordinates. */
export interface SceneDescription {
  env: string;
  up: 'y';
  bodies: BodyDescription[];
  /** Static geometry (ground, terrain), in world coordinates. */
  statics: ShapeDescription[];
  task: unknown;
  /** A marker for the goal: a point, or a direction / target speed shown as an arrow from the robot. */
  goal?:
    | { kind: 'position'; position: Vec3 }
    | { kind: 'direction'; direction: Vec3 }
    | { kind: 'velocity'; velocity: number; direction: Vec3 };
}
