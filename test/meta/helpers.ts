import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig, type TrainConfig } from '../../src/meta/config.js';
import {
  createTrainer,
  type MetricsLine,
  type TrainerOptions,
  type TrainSummary,
} from '../../src/meta/trainer.js';

export function tempDir(prefix = 'terrarium-meta-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A sine config small enough for a test (a few ms an iteration). */
export function tinySine(overrides: Record<string, unknown> = {}): TrainConfig {
  return parseTrainConfig({
    env: 'sine',
    iterations: 4,
    metaBatchSize: 3,
    hidden: [8, 8],
    inner: { steps: 3, lr: 0.02, points: 10, batchSize: 5 },
    checkpointEvery: 1,
    workers: 0,
    ...overrides,
  });
}

/** A ball-nav config small enough for a test (well under a second an iteration). */
export function tinyBallNav(overrides: Record<string, unknown> = {}): TrainConfig {
  return parseTrainConfig({
    env: 'ball-nav',
    iterations: 2,
    metaBatchSize: 2,
    maxEpisodeSteps: 20,
    inner: {
      steps: 2,
      episodesPerUpdate: 2,
      learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' },
    },
    policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
    checkpointEvery: 1,
    workers: 0,
    backend: 'cpu',
    ...overrides,
  });
}

export async function train(
  config: TrainConfig,
  outDir: string,
  extra: Pick<TrainerOptions, 'resume' | 'stopAfter' | 'queue'> = {},
): Promise<TrainSummary> {
  const trainer = await createTrainer({ config, outDir, ...extra });
  return trainer.run();
}

export function readMetrics(runDir: string): MetricsLine[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as MetricsLine);
}
