import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * A sine config file as a user would write it for the CLI (small: milliseconds an iteration), with `overrides` on
 * top (whole top-level fields, e.g. all of `inner`); its path, `DIR/NAME`.
 */
export function sineConfigFile(
  dir: string,
  overrides: Record<string, unknown> = {},
  name = 'sine.json',
): string {
  const path = join(dir, name);
  const config = {
    env: 'sine',
    iterations: 3,
    metaBatchSize: 2,
    hidden: [8],
    inner: { steps: 2, lr: 0.02, points: 10, batchSize: 10 },
    evaluation: { steps: 2, points: 10, tasks: 2 },
    checkpointEvery: 1,
    workers: 0,
    ...overrides,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** An ant meta-run small enough for a test: 1 iteration, 1 task, one 10-step episode a batch (unparsed, as JSON). */
export const tinyAnt = {
  env: 'ant',
  iterations: 1,
  metaBatchSize: 1,
  maxEpisodeSteps: 10,
  inner: { steps: 1, episodesPerUpdate: 1, learner: { algo: 'vpg' } },
  policy: { hiddenSizes: [8] },
  // A constant meta step size, so --resume may extend the run (--iterations).
  outer: { eps0: 1, eps1: 1 },
  workers: 0,
  backend: 'cpu',
};

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
