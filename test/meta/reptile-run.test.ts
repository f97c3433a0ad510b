import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from '../../src/core/rng.js';
import type { Checkpoint } from '../../src/meta/checkpoint.js';
import { readCheckpointBytes } from '../../src/meta/checkpoint-file.js';
import type { SineTrainConfig } from '../../src/meta/config.js';
import type { AdaptResult } from '../../src/meta/meta-learner.js';
import { runSineJob, sineMetaLearner } from '../../src/meta/sine-learner.js';
import { initSeed } from '../../src/meta/trainer.js';
import { readMetrics, tempDir, tinySine, train } from './helpers.js';

// eps goes linearly from eps0 at the first iteration to eps1 at the last: 0.5 then 0.25 over 2 iterations
// (both exact in binary, so the schedule is checked with toBe).
const EPS = [0.5, 0.25];

function checkpointAt(runDir: string, iteration: number): Checkpoint {
  const path = join(runDir, 'checkpoints', `ckpt-${String(iteration).padStart(6, '0')}.json`);
  const read = readCheckpointBytes(readFileSync(path));
  if (!read.ok) throw new Error(`${path}: ${read.reason}`);
  return read.data as unknown as Checkpoint;
}

/** Each task's adapted parameters, recomputed outside the trainer from theta, the task RNG state and the run seed. */
function adaptMetaBatch(
  config: SineTrainConfig,
  theta: Float32Array,
  taskRng: Rng,
  iteration: number,
  keepPath: boolean,
): AdaptResult[] {
  const learner = sineMetaLearner(config);
  const tasks = learner.sampleTasks(config.metaBatchSize, taskRng.seed());
  return tasks.map((task, taskIndex) => {
    const job = learner.job({
      iteration,
      taskIndex,
      params: theta,
      obsNorm: null,
      task,
      seed: deriveSeed(config.seed, iteration, taskIndex),
      keepPath,
    });
    if (job.kind !== 'sine') throw new Error('expected a sine job');
    return runSineJob(job);
  });
}

/** Largest |a - b| relative to the largest |b|: float32 checkpoints against float64 sums. */
function maxRelError(a: Float32Array, b: Float64Array): number {
  let worst = 0;
  let scale = 0;
  for (let j = 0; j < b.length; j++) {
    worst = Math.max(worst, Math.abs(a[j]! - b[j]!));
    scale = Math.max(scale, Math.abs(b[j]!));
  }
  return worst / scale;
}

describe('a 2-iteration meta-training run, checked against the update rule', () => {
  it.each([
    ['reptile', 'theta + eps_t * mean_i(theta_i - theta)'],
    ['fomaml', 'theta - eps_t * mean_i(before_last_i - theta_i)'],
  ] as const)('%s (plain SGD outer step): each checkpoint is %s', async (algo, _rule) => {
    const config = tinySine({
      algo,
      iterations: 2,
      metaBatchSize: 3,
      outer: { eps0: EPS[0], eps1: EPS[1], optimizer: 'sgd' },
    }) as SineTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    expect(readMetrics(dir).map((m) => m.eps)).toEqual(EPS);

    let theta = (await sineMetaLearner(config).init(initSeed(config))).params;
    const taskRng = new Rng(deriveSeed(config.seed, 0x7a5c));
    for (const [t, eps] of EPS.entries()) {
      const results = adaptMetaBatch(config, theta, taskRng, t, algo === 'fomaml');
      const expected = new Float64Array(theta.length);
      for (let j = 0; j < theta.length; j++) {
        let sum = 0;
        for (const r of results) {
          sum += algo === 'reptile' ? r.params[j]! - theta[j]! : r.params[j]! - r.path!.at(-1)![j]!;
        }
        expected[j] = theta[j]! + (eps * sum) / results.length;
      }
      const checkpoint = checkpointAt(dir, t + 1);
      expect(checkpoint.iteration).toBe(t + 1);
      expect(maxRelError(checkpoint.params, expected)).toBeLessThan(1e-6);
      // The step is not vacuous: eps = 1 (or no step at all) lands far from it.
      for (const wrongEps of [0, 1]) {
        const wrong = expected.map((v, j) => theta[j]! + ((v - theta[j]!) * wrongEps) / eps);
        expect(maxRelError(checkpoint.params, wrong)).toBeGreaterThan(1e-3);
      }
      theta = checkpoint.params;
    }
  });
});
