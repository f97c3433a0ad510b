import { describe, expect, it } from 'vitest';
import { curriculumSchema, levelBand, nextLevel } from '../../src/envs/curriculum.js';
import type { LeggedTask } from '../../src/envs/legged-env.js';
import { envEntry } from '../../src/envs/registry.js';
import type { TaskDistribution } from '../../src/envs/task.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { readMetrics, tempDir, train } from './helpers.js';

const curriculum = { levels: 3, promoteAbove: 0, demoteBelow: -0.05 };

/** A tiny ant run over slopes and stairs at nominal dynamics (20-step episodes). */
function tinyTerrainAnt(tasks: object, overrides: object = {}): RlTrainConfig {
  return parseTrainConfig({
    env: 'ant',
    iterations: 5,
    metaBatchSize: 2,
    maxEpisodeSteps: 20,
    tasks: {
      directions: 'forward',
      terrains: ['slope', 'stairs'],
      slopeAngle: [-0.3, 0.3],
      stepHeight: [0.03, 0.15],
      ...{
        massScale: [1, 1],
        friction: [1, 1],
        motorStrength: [1, 1],
        jointDamping: [1, 1],
        gravityScale: [1, 1],
      },
      trainSize: 60,
      testSize: 10,
      ...tasks,
    },
    inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.1, baseline: 'linear' } },
    policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
    checkpointEvery: 1,
    workers: 0,
    backend: 'cpu',
    ...overrides,
  }) as RlTrainConfig;
}

/** Trains `config` into `dir`, returning the tasks of each meta-iteration (from the adaptation stream). */
async function trainCollectingTasks(
  config: RlTrainConfig,
  dir: string,
  extra: { stopAfter?: number; resume?: boolean } = {},
) {
  const trainer = await createTrainer({ config, outDir: dir, ...extra });
  const tasks = new Map<number, LeggedTask[]>();
  trainer.streams.adaptation$.subscribe((e) => {
    if (e.k !== 0) return;
    tasks.set(e.iteration, [...(tasks.get(e.iteration) ?? []), e.task as LeggedTask]);
  });
  await trainer.run();
  return tasks;
}

describe('meta-training with a terrain curriculum', () => {
  it('draws each meta-batch from its level band, moves the level by the rule, and records it per iteration', async () => {
    const config = tinyTerrainAnt({ curriculum });
    const dir = tempDir();
    const tasks = await trainCollectingTasks(config, dir);
    const lines = readMetrics(dir);
    expect(lines).toHaveLength(5);
    const rules = curriculumSchema.parse(curriculum);
    expect(lines[0]!.curriculumLevel).toBe(0);
    const distribution = envEntry('ant').distribution(config.tasks) as TaskDistribution<LeggedTask>;
    for (const [i, line] of lines.entries()) {
      const level = line.curriculumLevel!;
      if (i > 0)
        expect(level).toBe(nextLevel(rules, lines[i - 1]!.curriculumLevel!, lines[i - 1]!.returnAfter));
      const [low, high] = levelBand(rules, level);
      for (const task of tasks.get(i)!) {
        const at = distribution.curriculum!.level(task);
        expect(at).toBeGreaterThanOrEqual(low);
        expect(at).toBeLessThanOrEqual(high);
      }
    }
    const checkpoint = (await loadLatestCheckpoint(dir)).checkpoint;
    expect(checkpoint.curriculumLevel).toBe(
      nextLevel(rules, lines[4]!.curriculumLevel!, lines[4]!.returnAfter),
    );
  });

  it('a level that always promotes climbs one a meta-batch and stops at the top', async () => {
    const dir = tempDir();
    await train(
      tinyTerrainAnt({ curriculum: { ...curriculum, promoteAbove: -1e9, demoteBelow: -2e9 } }),
      dir,
    );
    expect(readMetrics(dir).map((m) => m.curriculumLevel)).toEqual([0, 1, 2, 2, 2]);
  });

  it('5 iterations equal 2 + resume + 3: the same levels, returns and params', async () => {
    // Thresholds around the tiny run's returns, so that the level moves both ways in 5 iterations.
    const config = tinyTerrainAnt({ curriculum: { ...curriculum, startLevel: 1 } });
    const straight = tempDir();
    const resumed = tempDir();
    const straightTasks = await trainCollectingTasks(config, straight);
    await trainCollectingTasks(config, resumed, { stopAfter: 2 });
    expect((await loadLatestCheckpoint(resumed)).checkpoint.curriculumLevel).toBe(
      readMetrics(straight)[2]!.curriculumLevel,
    );
    const resumedTasks = await trainCollectingTasks(config, resumed, { resume: true });
    const lines = (d: string) =>
      readMetrics(d).map((m) => [
        m.iteration,
        m.curriculumLevel,
        m.returnBefore,
        m.returnAfter,
        m.taskReturns,
      ]);
    expect(lines(resumed)).toEqual(lines(straight));
    const levels = readMetrics(straight).map((m) => m.curriculumLevel!);
    const moves = new Set(levels.slice(1).map((l, i) => l - levels[i]!));
    expect([moves.has(1), moves.has(-1)]).toEqual([true, true]);
    for (const i of [2, 3, 4]) expect(resumedTasks.get(i)).toEqual(straightTasks.get(i));
    const [a, b] = [await loadLatestCheckpoint(straight), await loadLatestCheckpoint(resumed)];
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(b.checkpoint.curriculumLevel).toBe(a.checkpoint.curriculumLevel);
  });

  it('a run without a curriculum records no level, in its metrics or its checkpoint', async () => {
    const dir = tempDir();
    await train(tinyTerrainAnt({}, { iterations: 1 }), dir);
    expect('curriculumLevel' in readMetrics(dir)[0]!).toBe(false);
    expect('curriculumLevel' in (await loadLatestCheckpoint(dir)).checkpoint).toBe(false);
  });
});
