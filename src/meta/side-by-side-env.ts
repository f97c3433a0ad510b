/**
 * Several copies of one env stepped together for display, side by side: the same task and reset seed for each, one
 * physics world each (the robots pass through each other), drawn as one scene on the first copy's terrain. Spaces
 * are one copy's; `reset` and `step` take and give the active copies' observations and actions end to end. A copy
 * whose episode ended stands still at its last pose until every copy is done. Only for watching: training never
 * steps it.
 */
import type { Env, ResetOptions, ResetResult, SceneDescription, StepResult } from '../envs/env.js';
import { boxSize } from '../envs/spaces.js';
import { EnvWrapper } from '../envs/wrapper.js';

export class SideBySideEnv extends EnvWrapper<unknown> {
  private active = 1;
  private done: boolean[] = [];
  private lastObs: Float32Array[] = [];

  constructor(private readonly copies: Env<unknown>[]) {
    super(copies[0]!);
  }

  get maxCopies(): number {
    return this.copies.length;
  }

  /** How many copies the next episode shows (1..maxCopies). */
  setActive(count: number): void {
    this.active = Math.max(1, Math.min(this.copies.length, Math.floor(count)));
  }

  override setTask(task: unknown): void {
    for (const copy of this.copies) copy.setTask(task);
  }

  override reset(options?: ResetOptions<unknown>): ResetResult {
    const shown = this.copies.slice(0, this.active);
    const results = shown.map((copy) => copy.reset(options));
    this.done = shown.map(() => false);
    this.lastObs = results.map((r) => r.obs);
    return { obs: concat(this.lastObs), info: results[results.length - 1]!.info };
  }

  /** Steps every copy still running; reward and info are those of the last copy (the most adapted one). */
  override step(action: ArrayLike<number>): StepResult {
    const actDim = boxSize(this.inner.actionSpace);
    let last: StepResult | null = null;
    let terminatedAll = true;
    for (let i = 0; i < this.active; i++) {
      if (this.done[i]) continue;
      const result = this.copies[i]!.step(Array.prototype.slice.call(action, i * actDim, (i + 1) * actDim));
      this.lastObs[i] = result.obs;
      if (result.terminated || result.truncated) this.done[i] = true;
      if (!result.terminated) terminatedAll = false;
      if (i === this.active - 1) last = result;
    }
    const allDone = this.done.every(Boolean);
    return {
      obs: concat(this.lastObs),
      reward: last?.reward ?? 0,
      terminated: allDone && terminatedAll,
      truncated: allDone && !terminatedAll,
      info: last?.info ?? { rewardTerms: {} },
    };
  }

  /** The first copy's scene (terrain, goal) with the bodies of every active copy, named `lane<i>/<body>`. */
  override describeScene(): SceneDescription {
    const scenes = this.copies.slice(0, this.active).map((copy) => copy.describeScene());
    return {
      ...scenes[0]!,
      bodies: scenes.flatMap((scene, lane) =>
        scene.bodies.map((body) => ({ ...body, name: `lane${lane}/${body.name}` })),
      ),
    };
  }

  override poses(): Float32Array {
    return concat(this.copies.slice(0, this.active).map((copy) => copy.poses()));
  }

  override close(): void {
    for (const copy of this.copies) copy.close();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
