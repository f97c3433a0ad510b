import { Rng } from '../../src/core/rng.js';
import type { Env } from '../../src/envs/env.js';

export const ENV_IDS = ['ball-nav', 'cheetah', 'ant'] as const;

/** Uniform random actions from a seeded stream. */
export function randomActions(env: Env<unknown>, seed: number): () => Float32Array {
  const rng = new Rng(seed);
  const n = env.actionSpace.shape[0]!;
  return () => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** Runs `steps` steps (resetting on episode end) and returns every observation, concatenated. */
export function trajectory(env: Env<unknown>, seed: number, steps: number, actionSeed = 7): Float32Array[] {
  const act = randomActions(env, actionSeed);
  const out = [env.reset({ seed }).obs];
  for (let t = 0; t < steps; t++) {
    const result = env.step(act());
    out.push(result.obs);
    if (result.terminated || result.truncated) out.push(env.reset().obs);
  }
  return out;
}
