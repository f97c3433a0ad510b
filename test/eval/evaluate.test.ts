import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pretrainConfig } from '../../src/cli/pretrain-command.js';
import { envEntry } from '../../src/envs/registry.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { evaluate } from '../../src/meta/eval/evaluate.js';
import { type EvalMethod, metaMethod, randomMethod } from '../../src/meta/eval/methods.js';
import { chooseMethods, runEval } from '../../src/meta/eval/run-eval.js';
import { resultsTable } from '../../src/meta/eval/table.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { steeringOracle as steeringPolicyOracle } from '../agents/helpers.js';
import { terrarium } from '../run-cli.js';

/** A ball-nav run small enough for a test: 2 meta-iterations of 2 tasks, 20-step episodes, an 8-unit MLP. */
const config = parseTrainConfig({
  env: 'ball-nav',
  iterations: 2,
  metaBatchSize: 2,
  maxEpisodeSteps: 20,
  inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
  policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
  workers: 0,
  backend: 'cpu',
}) as RlTrainConfig;

let runDir = '';

/**
 * A constructed oracle that reads the goal it is told and steers to it (a linear PD controller), so it is certainly
 * above the random init and the norm's scale always exists.
 */
function steeringOracle(): EvalMethod {
  const { policy, params } = steeringPolicyOracle();
  return { name: 'oracle', observeTask: true, policy, init: () => ({ params, obsNorm: null }) };
}

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'terrarium-eval-'));
  await (await createTrainer({ config, outDir: runDir })).run();
});

describe('terrarium eval', () => {
  it('adapts on the held-out test split, never on training tasks', async () => {
    const run = await loadLatestCheckpoint(runDir);
    const report = await evaluate({ config, methods: [metaMethod(run)], tasks: 3, k: 0, seeds: 1 });
    const distribution = envEntry('ball-nav').distribution(config.tasks);
    expect(report.heldOutTasks).toEqual(distribution.testTasks(3));
    const train = distribution.sampleTrain(3000, 1).map((t) => JSON.stringify(t));
    for (const task of report.heldOutTasks) expect(train).not.toContain(JSON.stringify(task));
  });

  it('gives identical numbers for the same seed, and different rollouts for different seeds', async () => {
    const run = await loadLatestCheckpoint(runDir);
    const once = () =>
      evaluate({ config, methods: [metaMethod(run), randomMethod(config)], tasks: 2, k: 2, seeds: 2 });
    const a = await once();
    const b = await once();
    // Everything but the wall-clock time.
    const numbers = (r: typeof a) => Object.values(r.methods).map(({ wallSeconds: _w, ...rest }) => rest);
    expect(numbers(b)).toEqual(numbers(a));
    expect(a.methods.meta!.returns).toHaveLength(2);
    expect(a.methods.meta!.returns[0]).toHaveLength(2);
    expect(a.methods.meta!.returns[0]![0]).toHaveLength(3);
    // The two seeds of a task are different rollouts.
    expect(a.methods.meta!.returns[0]![0]).not.toEqual(a.methods.meta!.returns[0]![1]);
    // norm: the random init before any update is the 0 of the scale; no oracle, so no scale at all.
    expect(a.normReference.random0).toBe(a.methods.random!.mean[0]);
    expect(a.methods.random!.norm).toEqual([null, null, null]);
    // The paired difference meta - random is the mean over tasks of the per-(task, seed) differences.
    const diff = a.differences['meta - random']!;
    for (let k = 0; k <= 2; k++) {
      expect(diff.mean[k]).toBeCloseTo(a.methods.meta!.mean[k]! - a.methods.random!.mean[k]!, 9);
    }
  });

  it('norm is 0 at the random init and 1 at the oracle before any update, (R - R_random0) / (R_oracle0 - R_random0)', async () => {
    const oracle = steeringOracle();
    const run = await loadLatestCheckpoint(runDir);
    const report = await evaluate({
      config,
      methods: [metaMethod(run), randomMethod(config), oracle],
      tasks: 2,
      k: 1,
      seeds: 2,
    });
    const { random0, oracle0 } = report.normReference;
    expect(random0).toBe(report.methods.random!.mean[0]);
    expect(oracle0).toBe(report.methods.oracle!.mean[0]);
    expect(oracle0! - random0!).toBeGreaterThan(5);
    expect(report.methods.random!.norm[0]).toBe(0);
    expect(report.methods.oracle!.norm[0]).toBeCloseTo(1, 12);
    for (const m of Object.values(report.methods)) {
      m.mean.forEach((r, k) => {
        expect(m.norm[k]).toBeCloseTo((r - random0!) / (oracle0! - random0!), 12);
      });
    }
  });

  it('gives the same numbers with the tasks spread over 2 worker threads as in this thread', async () => {
    const run = await loadLatestCheckpoint(runDir);
    const methods = [metaMethod(run), randomMethod(config), steeringOracle()];
    const progress: number[] = [];
    const once = (workers: number) =>
      evaluate({
        config,
        methods,
        tasks: 3,
        k: 1,
        seeds: 2,
        workers,
        onProgress: (done) => progress.push(done),
      });
    const [one, two] = [await once(1), await once(2)];
    const numbers = (r: typeof one) => Object.values(r.methods).map(({ wallSeconds: _w, ...rest }) => rest);
    expect(numbers(two)).toEqual(numbers(one));
    expect(two.differences).toEqual(one.differences);
    expect(one.methods.oracle!.returns).toHaveLength(3);
    // 3 methods x 3 tasks x 2 seeds, counted up to the end both times.
    expect(progress.slice(0, 18)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(progress.slice(18)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it('trains the pretrained and oracle baselines (algo "pretrain" runs) on the meta-run\'s budget', async () => {
    const run = await loadLatestCheckpoint(runDir);
    for (const oracle of [false, true]) {
      const args = ['pretrain', '--run', runDir, '--json', ...(oracle ? ['--oracle'] : [])];
      const { code, stderr } = await terrarium(args);
      expect(code, stderr).toBe(0);
      const baseline = await loadLatestCheckpoint(join(runDir, oracle ? 'oracle' : 'pretrained'));
      const trained = baseline.config as RlTrainConfig;
      expect(trained).toMatchObject({ algo: 'pretrain', observeTask: oracle, inner: config.inner });
      expect(trained.envStepBudget).toBe(run.checkpoint.envSteps);
      // It stops at the first iteration that reaches the budget: 2 tasks x 1 update x 2 episodes of <= 20 steps,
      // with no batch measuring the update (the meta-run spends 2 batches a task).
      expect(baseline.checkpoint.envSteps).toBeGreaterThanOrEqual(run.checkpoint.envSteps);
      expect(baseline.checkpoint.envSteps).toBeLessThanOrEqual(run.checkpoint.envSteps + 80);
      // The oracle's policy reads the goal and dynamics too: a wider first layer.
      const extra = baseline.params.length - run.params.length;
      expect(oracle ? extra > 0 : extra === 0).toBe(true);
    }
    const options = { runDir, run, config, tasks: 2, k: 1, seeds: 1, plot: true };
    // Without --baselines: random plus whatever was trained for this run.
    expect((await chooseMethods(options)).map((m) => m.name)).toEqual([
      'meta',
      'random',
      'pretrained',
      'oracle',
    ]);
    const result = await runEval(options);
    expect(Object.keys(result.public.methods)).toEqual(['meta', 'random', 'pretrained', 'oracle']);
    // Whichever way the trained oracle came out, norm follows its definition (the scale itself: the next test).
    const { oracle0, random0 } = result.report.normReference;
    expect(oracle0).toBe(result.report.methods.oracle!.mean[0]);
    for (const m of Object.values(result.report.methods)) {
      expect(m.norm).toEqual(
        m.mean.map((r) => (oracle0! > random0! ? (r - random0!) / (oracle0! - random0!) : null)),
      );
    }
    for (const file of [
      'results.json',
      'results.md',
      'adaptation.svg',
      'adaptation.png',
      'training.svg',
      'training.png',
    ]) {
      expect(existsSync(join(runDir, 'eval', file))).toBe(true);
    }
    expect(readFileSync(join(runDir, 'eval', 'results.md'), 'utf8')).toContain('| pretrained |');
  });

  it("pretrains with the run's seed, also from a --config file that names another", async () => {
    const run = await loadLatestCheckpoint(runDir);
    const file = join(runDir, 'other-seed.json');
    writeFileSync(file, JSON.stringify({ ...config, seed: run.config.seed + 7 }));
    const fromFile = await pretrainConfig({ run: runDir, config: file });
    expect(fromFile.seed).toBe(run.config.seed);
    expect((await pretrainConfig({ run: runDir })).seed).toBe(run.config.seed);
  });
});

describe('terrarium eval (command line)', () => {
  const cli = (...args: string[]) => terrarium(args);
  /** A quick eval of the shared run: 2 tasks, 1 seed, k = 0..1, against random. */
  const quickArgs = () => [
    'eval',
    '--run',
    runDir,
    '--baselines',
    'random',
    '--tasks',
    '2',
    '--seeds',
    '1',
    '--k',
    '1',
  ];

  /** results.json of a quick eval with extra flags, written to a fresh directory. */
  const quickResults = async (extra: string[]) => {
    const out = mkdtempSync(join(tmpdir(), 'terrarium-eval-quick-'));
    const { code } = await cli(...quickArgs(), '--out', out, ...extra);
    expect(code).toBe(0);
    return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  };

  it('--json prints { env, tasks, seeds, k, methods: { name: { mean, ci95, norm } } }', async () => {
    const { code, stdout } = await cli(...quickArgs(), '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['env', 'tasks', 'seeds', 'k', 'methods']);
    expect(out).toMatchObject({ env: 'ball-nav', tasks: 2, seeds: 1, k: 1 });
    expect(Object.keys(out.methods)).toEqual(['meta', 'random']);
    for (const m of Object.values(out.methods) as { mean: number[]; ci95: number[][]; norm: unknown[] }[]) {
      expect(Object.keys(m)).toEqual(['mean', 'ci95', 'norm']);
      expect(m.mean).toHaveLength(2);
      expect(m.ci95).toHaveLength(2);
      expect(m.ci95[0]![0]).toBeLessThanOrEqual(m.mean[0]!);
      expect(m.ci95[0]![1]).toBeGreaterThanOrEqual(m.mean[0]!);
    }
  });

  it('--episodes sets the inner batch of every method, the measuring batches too, and is recorded', async () => {
    const args = quickArgs();
    const [standard, more] = [await quickResults([]), await quickResults(['--episodes', '5'])];
    expect(more.episodesPerUpdate).toBe(5);
    expect(standard.episodesPerUpdate).not.toBe(5);
    for (const name of ['meta', 'random']) {
      expect(more.methods[name].envSteps).toBeGreaterThan(standard.methods[name].envSteps);
    }
    const bad = await cli(...args, '--episodes', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^terrarium: --episodes: expected an integer >= 1, got/);
  });

  it("--return-gap scales every method's steps by the gap (or removes it), is recorded, and names bad values", async () => {
    const args = quickArgs();
    const [fixed, off, scaled] = [
      await quickResults([]),
      await quickResults(['--return-gap', 'off']),
      await quickResults(['--return-gap', '0,5']),
    ];
    expect(fixed.innerLearner.returnGapStep).toBeNull();
    expect(scaled.innerLearner.returnGapStep).toEqual({
      bestReturn: 0,
      typicalGap: 5,
      minFactor: 0.1,
      maxFactor: 4,
    });
    for (const name of ['meta', 'random']) {
      expect(off.methods[name].mean).toEqual(fixed.methods[name].mean);
      expect(scaled.methods[name].mean[0]).toBe(fixed.methods[name].mean[0]);
      expect(scaled.methods[name].mean[1]).not.toBe(fixed.methods[name].mean[1]);
    }
    const bad = await cli(...args, '--return-gap', '0,-5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^terrarium: --return-gap\.typicalGap: expected .*, got -5/);
    const one = await cli(...args, '--return-gap', '7');
    expect(one.stderr.trim()).toBe(
      'terrarium: --return-gap: expected off or BEST,GAP (two numbers), got "7"; see terrarium eval --help',
    );
  });

  it('a bad --baselines, --baseline-steps or a missing baseline is one line naming it, exit 2', async () => {
    const bad = await cli('eval', '--run', runDir, '--baselines', 'random,magic');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'terrarium: --baselines: expected a comma-separated list of random, pretrained, oracle, got "magic"; ' +
        'see terrarium eval --help',
    );
    const steps = await cli('eval', '--run', runDir, '--baseline-steps', 'learned');
    expect(steps.code).toBe(2);
    expect(steps.stderr.trim()).toBe(
      'terrarium: --baseline-steps: expected scalar or meta, got "learned"; see terrarium eval --help',
    );
    const empty = mkdtempSync(join(tmpdir(), 'terrarium-eval-none-'));
    const none = await cli('eval', '--run', empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^terrarium: --run: expected a run directory/);
  });
});

describe('terrarium eval on a legged env', () => {
  it('reports the mean speed after each k beside the return, and the reward preset it was measured with', async () => {
    const cheetah = parseTrainConfig({
      env: 'cheetah',
      iterations: 1,
      metaBatchSize: 1,
      maxEpisodeSteps: 15,
      tasks: { goal: 'direction' },
      inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.1, baseline: 'linear' } },
      policy: { hiddenSizes: [8], valueFunction: false },
      workers: 0,
      backend: 'cpu',
    }) as RlTrainConfig;
    const report = await evaluate({
      config: cheetah,
      methods: [randomMethod(cheetah)],
      tasks: 2,
      k: 1,
      seeds: 1,
    });
    expect(report.reward).toBe('maml');
    const random = report.methods.random!;
    expect(random.speeds).toHaveLength(2); // [task][seed][k]
    expect(random.speeds![0]![0]).toHaveLength(2);
    expect(random.meanSpeed).toHaveLength(2);
    // The mean over tasks of each task's seed means, as for returns.
    const k0 = (random.speeds![0]![0]![0]! + random.speeds![1]![0]![0]!) / 2;
    expect(random.meanSpeed![0]).toBeCloseTo(k0, 12);
    expect(random.meanSpeed!.every((v) => Number.isFinite(v) && Math.abs(v) < 3)).toBe(true);
    expect(resultsTable(report)).toMatch(/\| m\/s k = 0 \| m\/s k = 1 \|/);
  });
});

describe('terrarium eval of an oracle run', () => {
  it("evaluates the oracle's own run with the task observed (its policy's inputs)", async () => {
    const oracle = parseTrainConfig({ ...config, algo: 'pretrain', observeTask: true }) as RlTrainConfig;
    const dir = mkdtempSync(join(tmpdir(), 'terrarium-oracle-'));
    await (await createTrainer({ config: oracle, outDir: dir })).run();
    const run = await loadLatestCheckpoint(dir);
    const method = metaMethod(run);
    expect(method.observeTask).toBe(true);
    const report = await evaluate({ config: oracle, methods: [method], tasks: 2, k: 0, seeds: 1 });
    expect(report.methods.meta!.mean[0]).toBeLessThan(0); // ball-nav: minus the distance to the goal
  });
});
