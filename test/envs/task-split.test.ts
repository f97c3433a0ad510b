import { describe, expect, it } from 'vitest';
import { envEntry } from '../../src/envs/registry.js';
import type { TaskDistribution } from '../../src/envs/task.js';
import { sineTaskDistribution } from '../../src/meta/sine.js';
import { ENV_IDS } from './helpers.js';

const key = (task: unknown) => JSON.stringify(task);

/**
 * Every task sampleTrain can return, found by drawing `draws` times from a pool of `trainSize`: with draws >> pool
 * size x ln(pool size) a task is missed with probability below 1e-6, and the seed is fixed, so the set is exact.
 */
function trainPool(dist: TaskDistribution<unknown>, draws: number): Set<string> {
  return new Set(dist.sampleTrain(draws, 1).map(key));
}

/** The split, checked exactly: the training pool has trainSize tasks, the test pool testSize, none in common. */
function checkSplit(dist: TaskDistribution<unknown>, draws: number) {
  const train = trainPool(dist, draws);
  const test = dist.testTasks(dist.testSize).map(key);
  expect(new Set(test).size).toBe(dist.testSize);
  expect(train.size).toBe(dist.trainSize);
  const leaked = test.filter((t) => train.has(t));
  expect(leaked, 'test tasks in the training pool').toEqual([]);
  return { train, test };
}

describe.each(ENV_IDS)('%s train/test split', (id) => {
  it('small pools: every training task is seen, and the two pools are the splitSeed draws, disjoint', () => {
    const options = { splitSeed: 5, trainSize: 6, testSize: 4 };
    const dist = envEntry(id).distribution(options) as TaskDistribution<unknown>;
    const { train, test } = checkSplit(dist, 600);
    // "Two disjoint pools drawn from splitSeed": together they are the first 10 tasks drawn with that seed.
    const drawn = dist.sample(10, options.splitSeed).map(key);
    expect(new Set([...train, ...test])).toEqual(new Set(drawn));
  });

  it('the default pools (1,000 training tasks, 100 test tasks) share no task', () => {
    checkSplit(envEntry(id).distribution() as TaskDistribution<unknown>, 20_000);
  });
});

describe('sine train/test split', () => {
  it('the default pools share no task', () => {
    checkSplit(sineTaskDistribution() as TaskDistribution<unknown>, 20_000);
  });
});
