import { TerrariumError } from '../core/errors.js';
import { deriveSeed } from '../core/rng.js';
import type { Env, StepInfo } from './env.js';
import { boxSize } from './spaces.js';

export interface VectorStepResult {
  /** num x obsDim, row i for copy i; after an autoreset, the first observation of the new episode. */
  obs: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Per copy; `finalObs` holds the last observation of an episode that just ended. */
  infos: StepInfo[];
}

/**
 * N copies of an env stepped together, each with its own task, auto-reset when an episode ends
 * (Gymnasium's "next-step" is not used: the reset happens within the same step, the final obs goes in `info`).
 */
export class VectorEnv<Task> {
  readonly num: number;
  readonly obsDim: number;
  readonly actDim: number;
  private readonly obsBuffer: Float32Array;

  constructor(readonly envs: Env<Task>[]) {
    if (envs.length === 0) throw new TerrariumError('num', 0, 'at least one env copy');
    this.num = envs.length;
    this.obsDim = boxSize(envs[0]!.observationSpace);
    this.actDim = boxSize(envs[0]!.actionSpace);
    this.obsBuffer = new Float32Array(this.num * this.obsDim);
  }

  get observationSpace() {
    return this.envs[0]!.observationSpace;
  }
  get actionSpace() {
    return this.envs[0]!.actionSpace;
  }
  get tasks(): Task[] {
    return this.envs.map((env) => env.task);
  }

  /** Sets one task for every copy, or one task per copy; takes effect at the next reset. */
  setTasks(tasks: Task | Task[]): void {
    if (Array.isArray(tasks) && tasks.length !== this.num) {
      throw new TerrariumError('tasks', `${tasks.length} tasks`, `one task or ${this.num} tasks`);
    }
    this.envs.forEach((env, i) => {
      env.setTask(Array.isArray(tasks) ? tasks[i]! : tasks);
    });
  }

  /** Resets every copy; copy i is seeded with a seed derived from (seed, i). Returns a fresh obs array. */
  reset(seed?: number): Float32Array {
    this.envs.forEach((env, i) => {
      const { obs } = env.reset(seed === undefined ? {} : { seed: deriveSeed(seed, i) });
      this.obsBuffer.set(obs, i * this.obsDim);
    });
    return this.obsBuffer.slice();
  }

  /**
   * `actions` is num x actDim, row-major. With `active`, only the copies i with active[i] = 1 step; the others keep
   * their state and observation and report reward 0, no episode end and an empty info.
   */
  step(actions: Float32Array, active?: Uint8Array): VectorStepResult {
    if (actions.length !== this.num * this.actDim) {
      throw new TerrariumError(
        'actions',
        `length ${actions.length}`,
        `num x actDim = ${this.num * this.actDim} numbers`,
      );
    }
    const rewards = new Float32Array(this.num);
    const terminated = new Uint8Array(this.num);
    const truncated = new Uint8Array(this.num);
    const infos: StepInfo[] = new Array(this.num);
    for (let i = 0; i < this.num; i++) {
      if (active && !active[i]) {
        infos[i] = { rewardTerms: {} };
        continue;
      }
      const env = this.envs[i]!;
      const result = env.step(actions.subarray(i * this.actDim, (i + 1) * this.actDim));
      rewards[i] = result.reward;
      terminated[i] = result.terminated ? 1 : 0;
      truncated[i] = result.truncated ? 1 : 0;
      infos[i] = result.info;
      let obs = result.obs;
      if (result.terminated || result.truncated) {
        result.info.finalObs = result.obs;
        obs = env.reset().obs;
      }
      this.obsBuffer.set(obs, i * this.obsDim);
    }
    return { obs: this.obsBuffer.slice(), rewards, terminated, truncated, infos };
  }

  close(): void {
    for (const env of this.envs) env.close();
  }
}
