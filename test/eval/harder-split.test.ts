import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { envEntry } from '../../src/envs/registry.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { evalTasks, evaluate } from '../../src/meta/eval/evaluate.js';
import { metaMethod } from '../../src/meta/eval/methods.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { terrarium } from '../run-cli.js';

/** A cheetah-dynamics run small enough for a test: 1 meta-iteration of 1 task, 10-step episodes, an 8-unit MLP. */
const tasks = {
  goal: 'direction',
  directions: 'forward',
  friction: [0.5, 1.5],
  crippleProbability: 0.25,
  harder: { friction: [0.1, 0.2], crippleProbability: 1 },
  harderSize: 5,
};
const config = parseTrainConfig({
  env: 'cheetah',
  iterations: 1,
  metaBatchSize: 1,
  maxEpisodeSteps: 10,
  tasks,
  inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.1, baseline: 'linear' } },
  policy: { hiddenSizes: [8], valueFunction: false },
  workers: 0,
  backend: 'cpu',
}) as RlTrainConfig;

let runDir = '';

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'terrarium-harder-'));
  await (await createTrainer({ config, outDir: runDir })).run();
});

describe('evaluating the harder split', () => {
  it('adapts on the harder pool and records the split; the test split stays the default', async () => {
    const run = await loadLatestCheckpoint(runDir);
    const methods = [metaMethod(run)];
    const harder = await evaluate({ config, methods, tasks: 2, split: 'harder', k: 0, seeds: 1 });
    const test = await evaluate({ config, methods, tasks: 2, k: 0, seeds: 1 });
    const distribution = envEntry('cheetah').distribution(config.tasks);
    expect(harder.split).toBe('harder');
    expect(harder.heldOutTasks).toEqual(distribution.harderTasks(2));
    expect(test.split).toBe('test');
    expect(test.heldOutTasks).toEqual(distribution.testTasks(2));
    for (const task of harder.heldOutTasks as { dynamics: { friction: number; crippledLeg: number } }[]) {
      expect(task.dynamics.friction).toBeLessThanOrEqual(0.2);
      expect([0, 1]).toContain(task.dynamics.crippledLeg);
    }
  });

  it('an oracle trained on the training pool reads the harder tasks too (the crippled leg among its inputs)', async () => {
    // And in the same process an oracle whose tasks have no crippled leg (fewer inputs, otherwise the same settings).
    const { crippleProbability: _p, harder: _h, harderSize: _s, ...healthy } = tasks;
    for (const [oracleTasks, split] of [
      [tasks, 'harder'],
      [healthy, 'test'],
    ] as const) {
      const oracle = parseTrainConfig({
        ...config,
        tasks: oracleTasks,
        algo: 'pretrain',
        observeTask: true,
      }) as RlTrainConfig;
      const dir = mkdtempSync(join(tmpdir(), 'terrarium-harder-oracle-'));
      await (await createTrainer({ config: oracle, outDir: dir })).run();
      const method = metaMethod(await loadLatestCheckpoint(dir));
      const report = await evaluate({ config: oracle, methods: [method], tasks: 2, split, k: 1, seeds: 1 });
      expect(report.methods.meta!.mean.every(Number.isFinite)).toBe(true);
    }
  });

  it('a run whose tasks have no harder pool, or too many tasks asked, is refused naming the flag', () => {
    const { harder: _h, harderSize: _s, ...plain } = tasks;
    expect(() => evalTasks({ ...config, tasks: plain }, 2, 'harder')).toThrow(
      /^--split: expected a run whose/,
    );
    expect(() => evalTasks(config, 6, 'harder')).toThrow(
      "--tasks: expected an integer in [1, 5] (the harder split's size), got 6",
    );
  });
});

describe('adopting a baseline trained without the harder pool (pretrain --from)', () => {
  it('is accepted: the harder options leave the training tasks alone; other task options must agree', async () => {
    const { harder: _h, harderSize: _s, ...training } = tasks;
    const trainOracle = async (oracleTasks: object) => {
      const dir = mkdtempSync(join(tmpdir(), 'terrarium-adopt-'));
      const oracle = parseTrainConfig({ ...config, tasks: oracleTasks, algo: 'pretrain', observeTask: true });
      await (await createTrainer({ config: oracle as RlTrainConfig, outDir: dir })).run();
      return dir;
    };
    const run = mkdtempSync(join(tmpdir(), 'terrarium-adopt-run-'));
    await (await createTrainer({ config, outDir: run })).run();
    const adopted = await terrarium([
      'pretrain',
      '--run',
      run,
      '--oracle',
      '--from',
      await trainOracle(training),
    ]);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(existsSync(join(run, 'oracle', 'config.json'))).toBe(true);
    const other = await trainOracle({ ...training, friction: [0.4, 1.5] });
    const refused = await terrarium(['pretrain', '--run', run, '--oracle', '--force', '--from', other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--from: tasks: expected the run');
  });
});

describe('terrarium eval --split (command line)', () => {
  const quick = ['--baselines', 'random', '--tasks', '2', '--seeds', '1', '--k', '1'];

  it('--split harder writes RUN/eval-harder/, apart from the test split in RUN/eval/', async () => {
    const harder = await terrarium(['eval', '--run', runDir, '--split', 'harder', ...quick, '--json']);
    expect(harder.code, harder.stderr).toBe(0);
    const printed = JSON.parse(harder.stdout);
    expect(printed).toMatchObject({ env: 'cheetah', split: 'harder', tasks: 2 });
    expect(Object.keys(printed.groups)).toEqual(['crippled leg', 'outside training: friction']);
    const written = JSON.parse(readFileSync(join(runDir, 'eval-harder', 'results.json'), 'utf8'));
    expect(written.split).toBe('harder');
    expect(written.heldOutTasks).toEqual(envEntry('cheetah').distribution(tasks).harderTasks(2));
    const harderTable = readFileSync(join(runDir, 'eval-harder', 'results.md'), 'utf8');
    expect(harderTable).toMatch(/2 harder held-out tasks/);
    // Every harder task is crippled and outside the training friction: both groups hold both tasks.
    expect(Object.keys(written.groups)).toEqual(['crippled leg', 'outside training: friction']);
    expect(written.groups['crippled leg'].tasks).toEqual([0, 1]);
    expect(written.groups['crippled leg'].methods.meta.mean).toEqual(written.methods.meta.mean);
    expect(harderTable).toContain('| outside training: friction | 2 | random |');
    expect(existsSync(join(runDir, 'eval'))).toBe(false);

    const test = await terrarium(['eval', '--run', runDir, ...quick]);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/^cheetah: 2 held-out tasks x 1 seeds/);
    const testResults = JSON.parse(readFileSync(join(runDir, 'eval', 'results.json'), 'utf8'));
    expect(testResults.split).toBe('test');
    expect(testResults.heldOutTasks).not.toEqual(written.heldOutTasks);
    const healthy = testResults.heldOutTasks.map((t: { dynamics: { crippledLeg: number | null } }) =>
      t.dynamics.crippledLeg === null ? 'healthy' : 'crippled leg',
    );
    expect(Object.keys(testResults.groups).sort()).toEqual([...new Set(healthy)].sort());
    // The harder results are still the harder eval's.
    expect(JSON.parse(readFileSync(join(runDir, 'eval-harder', 'results.json'), 'utf8'))).toEqual(written);
  });

  it('--context-measure on a run without a context learner is refused, naming the flag', async () => {
    const refused = await terrarium(['eval', '--run', runDir, '--context-measure', 'mean']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '--context-measure: expected unset for a vpg run (context runs only), got "mean"',
    );
  });

  it('a bad --split is one line naming it, exit 2', async () => {
    const bad = await terrarium(['eval', '--run', runDir, '--split', 'hard']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'terrarium: --split: expected test or harder, got "hard"; see terrarium eval --help',
    );
  });
});
