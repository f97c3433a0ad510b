import { TerrariumError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Env, ResetOptions, ResetResult, SceneDescription, StepResult } from './env.js';
import type { RAPIER } from './rapier.js';
import { type Box, boxSize } from './spaces.js';

export type World = InstanceType<typeof RAPIER.World>;

/** Simulated time of one env (control) step, s: the same for every env, whatever its physics settings. */
export const CONTROL_DT = 0.05;
/** Physics steps per env step unless a robot spec chooses its own (`substeps`): 5 x 0.01 s. */
export const DEFAULT_FRAME_SKIP = 5;
export const PHYSICS_DT = CONTROL_DT / DEFAULT_FRAME_SKIP;

/**
 * The shared half of every Terrarium env: owns the Rapier world (built from the task at each reset, freed on
 * close and before a rebuild), validates actions, repeats them for `frameSkip` physics steps, and turns a physics
 * blow-up into `terminated` with `info.reason = "physics_unstable"`. Subclasses supply the robot and end their
 * constructor with `this.setTask(task)`.
 */
export abstract class RapierEnv<Task> implements Env<Task> {
  abstract readonly id: string;
  abstract readonly observationSpace: Box;
  abstract readonly actionSpace: Box;
  readonly maxEpisodeSteps = Number.POSITIVE_INFINITY;
  readonly dt: number;
  protected world: World | null = null;
  protected rng = new Rng(0);
  protected stepCount = 0;
  // Set by the subclass constructor's `setTask`, once its own fields (which validation may read) exist.
  private currentTask!: Task;
  private episodeOver = true;
  private readonly clipped: Float32Array;
  private readonly lastObs: Float32Array;
  private readonly frameSkip: number;
  private readonly actionEverySubstep: boolean;

  /**
   * `frameSkip` physics steps of CONTROL_DT / frameSkip make one env step. With `actionEverySubstep` false the
   * action is applied once, before the first of them (torques set on Rapier bodies persist over the others).
   */
  protected constructor(
    actDim: number,
    obsDim: number,
    frameSkip = DEFAULT_FRAME_SKIP,
    actionEverySubstep = true,
  ) {
    this.frameSkip = frameSkip;
    this.actionEverySubstep = actionEverySubstep;
    this.dt = CONTROL_DT;
    this.clipped = new Float32Array(actDim);
    this.lastObs = new Float32Array(obsDim);
  }

  /** Parses a task, throwing a TerrariumError naming the bad field. */
  protected abstract validateTask(task: unknown): Task;
  /** Builds the world for `task`; `rng` may perturb the initial state. */
  protected abstract build(task: Task, rng: Rng): World;
  /** Called once per control step, before the physics steps (e.g. to remember where the robot was). */
  protected beforeStep(): void {}
  /** Applies the (clipped) action before each physics step, or before the first only (see the constructor). */
  protected abstract applyAction(action: Float32Array): void;
  protected abstract observe(out: Float32Array): void;
  /** Named reward terms for the step just taken; they sum to the reward. */
  protected abstract rewardTerms(action: Float32Array): Record<string, number>;
  /** Extra per-step info (e.g. the legged envs' `speed`), read after the reward terms. */
  protected stepInfo(): Record<string, unknown> {
    return {};
  }
  /** The task's own end (fell over, reached the goal). */
  protected abstract isTerminated(): boolean;
  /** True if a body left the region where the simulation is meaningful. */
  protected abstract isOutOfBounds(): boolean;
  abstract describeScene(): SceneDescription;
  abstract poses(): Float32Array;

  get task(): Task {
    return this.currentTask;
  }

  setTask(task: Task): void {
    this.currentTask = this.validateTask(task);
  }

  reset(options: ResetOptions<Task> = {}): ResetResult {
    if (options.task !== undefined) this.setTask(options.task);
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    this.freeWorld();
    this.world = this.build(this.currentTask, this.rng);
    this.stepCount = 0;
    this.episodeOver = false;
    const obs = new Float32Array(this.lastObs.length);
    this.observe(obs);
    this.lastObs.set(obs);
    return { obs, info: { task: this.currentTask } };
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.episodeOver || !this.world) {
      throw new TerrariumError(
        'step',
        this.world ? 'an ended episode' : 'no episode',
        'reset() before step()',
        `env ${this.id}`,
      );
    }
    const clipped = this.clipAction(action);
    this.beforeStep();
    for (let i = 0; i < this.frameSkip; i++) {
      if (i === 0 || this.actionEverySubstep) this.applyAction(clipped);
      this.world.step();
    }
    this.stepCount++;
    const obs = new Float32Array(this.lastObs.length);
    this.observe(obs);
    if (!allFinite(obs) || this.isOutOfBounds()) {
      this.episodeOver = true;
      obs.set(this.lastObs);
      return {
        obs,
        reward: 0,
        terminated: true,
        truncated: false,
        info: { rewardTerms: {}, reason: 'physics_unstable' },
      };
    }
    this.lastObs.set(obs);
    const rewardTerms = this.rewardTerms(clipped);
    let reward = 0;
    for (const key in rewardTerms) reward += rewardTerms[key]!;
    const terminated = this.isTerminated();
    this.episodeOver = terminated;
    return { obs, reward, terminated, truncated: false, info: { ...this.stepInfo(), rewardTerms } };
  }

  close(): void {
    this.freeWorld();
    this.episodeOver = true;
  }

  private freeWorld(): void {
    this.world?.free();
    this.world = null;
  }

  private clipAction(action: ArrayLike<number>): Float32Array {
    const { low, high } = this.actionSpace;
    const n = boxSize(this.actionSpace);
    if (action === null || typeof action !== 'object') {
      throw new TerrariumError('action', action, `an array of ${n} finite numbers`, `env ${this.id}`);
    }
    if (action.length !== n) {
      throw new TerrariumError(
        'action.length',
        action.length,
        `${n}, one number per actuator`,
        `env ${this.id}`,
      );
    }
    for (let i = 0; i < n; i++) {
      const a = action[i]!;
      if (typeof a !== 'number' || !Number.isFinite(a)) {
        throw new TerrariumError(
          `action[${i}]`,
          a,
          `a finite number in [${low[i]}, ${high[i]}]`,
          `env ${this.id}`,
        );
      }
      this.clipped[i] = Math.min(high[i]!, Math.max(low[i]!, a));
    }
    return this.clipped;
  }
}

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
