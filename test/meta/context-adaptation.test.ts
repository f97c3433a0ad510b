import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { evaluate } from '../../src/meta/eval/evaluate.js';
import { metaMethod, randomMethod } from '../../src/meta/eval/methods.js';
import { policyObsDim } from '../../src/meta/rl-learner.js';
import { terrarium } from '../run-cli.js';
import { readMetrics, tempDir, tinyBallNav, train } from './helpers.js';

const contextInner = {
  steps: 1,
  episodesPerUpdate: 2,
  measureFinal: false,
  learner: { algo: 'context', lr: 2, sigma: 0.5 },
  weights: { updates: 2, learner: { algo: 'ppo', updateEpochs: 2, numMinibatches: 2 } },
};
const contextPolicy = { hiddenSizes: [8], activation: 'relu', contextDim: 2, valueFunction: true };

/** `terrarium eval` of a run and one baseline: 2 tasks, k = 1, one seed. */
const quickEval = (dir: string, baseline: string, ...flags: string[]) =>
  terrarium([
    'eval',
    '--run',
    dir,
    '--baselines',
    baseline,
    '--tasks',
    '2',
    '--k',
    '1',
    '--seeds',
    '1',
    ...flags,
  ]);
const evalJson = (dir: string, baseline: string) => quickEval(dir, baseline, '--json');

describe('Reptile with context adaptation (CAVIA-style) on ball-nav', () => {
  it('adapts the context, then the weights at that context; the run is deterministic and evaluable', async () => {
    const config = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const [a, b] = [tempDir(), tempDir()];
    await train(config, a);
    await train(config, b);
    const [runA, runB] = [await loadLatestCheckpoint(a), await loadLatestCheckpoint(b)];
    expect(runA.params).toEqual(runB.params);
    // The weight phase moved the network (the context itself is not a weight).
    const fresh = randomMethod(config).init(0).params;
    expect(runA.params.length).toBe(fresh.length);
    expect(runA.params.some((v, j) => v !== fresh[j])).toBe(true);
    // Per task: the return before the context step, and at the adapted context (the weight phase's first batch).
    for (const line of readMetrics(a)) for (const r of line.taskReturns) expect(r).toHaveLength(2);

    const report = await evaluate({
      config,
      methods: [metaMethod(runA), randomMethod(config)],
      tasks: 2,
      k: 2,
      seeds: 1,
    });
    for (const name of ['meta', 'random']) expect(report.methods[name]!.mean).toHaveLength(3);
  });

  it("fromContextBatches: the context steps' episodes train the weights too, on the same env steps, deterministically", async () => {
    const plain = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const inner = { ...contextInner, weights: { ...contextInner.weights, fromContextBatches: true } };
    const config = tinyBallNav({ inner, policy: contextPolicy }) as RlTrainConfig;
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    await train(config, a);
    await train(config, b);
    await train(plain, c);
    const [runA, runB, runC] = await Promise.all([a, b, c].map((dir) => loadLatestCheckpoint(dir)));
    expect(runA.params).toEqual(runB.params);
    expect(runA.params).not.toEqual(runC.params);
    const steps = (dir: string) => readMetrics(dir).map((line) => line.envSteps);
    expect(steps(a)).toEqual(steps(c));
    // The same first batch per task (the context step's, before any update), so the same return before adapting.
    const firstReturns = (dir: string) => readMetrics(dir)[0]!.taskReturns.map((r) => r[0]);
    expect(firstReturns(a)).toEqual(firstReturns(c));
  });

  it("pretrains the baseline without context inputs, with the run's weight learner, then widens it", async () => {
    const config = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    const pretrain = await terrarium(['pretrain', '--run', dir, '--json']);
    expect(pretrain.code, pretrain.stderr).toBe(0);
    const plain = await loadLatestCheckpoint(join(dir, 'pretrained-no-context'));
    expect(plain.config).toMatchObject({
      algo: 'pretrain',
      inner: { steps: 2, learner: { algo: 'ppo' } },
      policy: { contextDim: 0 },
    });
    const widened = await loadLatestCheckpoint(join(dir, 'pretrained'));
    expect((widened.config as RlTrainConfig).policy.contextDim).toBe(2);
    expect(widened.params.length).toBe((await loadLatestCheckpoint(dir)).params.length);
    expect(widened.params.length).toBeGreaterThan(plain.params.length);

    const evaluated = await evalJson(dir, 'pretrained');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const { methods } = JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(methods)).toEqual(['meta', 'pretrained']);
    expect(methods.pretrained.mean).toHaveLength(2);
  });

  it("widens the oracle with zero context rows, the pretrained init with fresh ones: only the init's actions follow the context", async () => {
    const config = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    for (const args of [[], ['--oracle']]) {
      const result = await terrarium(['pretrain', '--run', dir, ...args]);
      expect(result.code, result.stderr).toBe(0);
    }
    await initBackend('cpu');
    const actions = async (name: string, context: number[]) => {
      const run = await loadLatestCheckpoint(join(dir, name));
      const runConfig = run.config as RlTrainConfig;
      const policy = GaussianPolicy.create(runConfig.policy, policyObsDim(runConfig), 2, 0);
      policy.setParams(run.params);
      const obs = new Float32Array(policy.obsDim).fill(0.5);
      obs.set(context, policy.obsDim - 2);
      const mean = Array.from(policy.meanActions(obs));
      policy.dispose();
      return mean;
    };
    expect(await actions('oracle', [2, -2])).toEqual(await actions('oracle', [0, 0]));
    expect(await actions('pretrained', [2, -2])).not.toEqual(await actions('pretrained', [0, 0]));
  });

  it('adopts an oracle trained apart (pretrain --from DIR): copied, widened with zero rows, evaluable', async () => {
    const config = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    // The experiment's one oracle, trained by `terrarium train` outside the run (as scripts/experiment.sh does), the
    // way the suites' configs train it: one PPO run, its rollouts on 2 threads.
    const oracleDir = join(tempDir(), 'oracle');
    const oracleConfig = tinyBallNav({
      algo: 'pretrain',
      observeTask: true,
      pretrainMode: 'sequential',
      keepLearnerState: true,
      inner: {
        steps: 2,
        episodesPerUpdate: 2,
        rolloutThreads: 2,
        learner: { algo: 'ppo', updateEpochs: 2, numMinibatches: 2 },
      },
      policy: { hiddenSizes: [8], activation: 'relu', valueFunction: true },
    });
    await train(oracleConfig, oracleDir);
    const asPretrained = await terrarium(['pretrain', '--run', dir, '--from', oracleDir]);
    expect(asPretrained.code).toBe(2);
    expect(asPretrained.stderr).toContain('--from: observeTask');

    const adopted = await terrarium(['pretrain', '--run', dir, '--oracle', '--from', oracleDir]);
    expect(adopted.code, adopted.stderr).toBe(0);
    const trained = await loadLatestCheckpoint(oracleDir);
    expect((await loadLatestCheckpoint(join(dir, 'oracle-no-context'))).params).toEqual(trained.params);
    const widened = await loadLatestCheckpoint(join(dir, 'oracle'));
    expect((widened.config as RlTrainConfig).policy.contextDim).toBe(2);
    expect(widened.params.length).toBeGreaterThan(trained.params.length);
    // How it was trained stays with the copy as trained: no rollout threads with context inputs, no PPO state that
    // fits the narrower network.
    expect((trained.config as RlTrainConfig).inner.rolloutThreads).toBe(2);
    expect(trained.checkpoint.learnerState).toBeDefined();
    expect((widened.config as RlTrainConfig).inner.rolloutThreads).toBeUndefined();
    expect(widened.checkpoint.learnerState).toBeUndefined();
    const again = await terrarium(['pretrain', '--run', dir, '--oracle', '--from', oracleDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force replaces it');

    const evaluated = await evalJson(dir, 'oracle');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const { methods } = JSON.parse(evaluated.stdout.trim().split('\n').at(-1)!);
    expect(methods.oracle.mean).toHaveLength(2);
  });

  it('eval measures each k at the adapted context by default and records it; --context-measure search as before', async () => {
    const config = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    const evalTo = async (out: string, ...flags: string[]) => {
      const result = await quickEval(dir, 'random', '--out', out, ...flags);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    };
    const [plain, search, mean] = [tempDir(), tempDir(), tempDir()];
    const byDefault = await evalTo(plain);
    const searched = await evalTo(search, '--context-measure', 'search');
    const measured = await evalTo(mean, '--context-measure', 'mean');
    expect(byDefault.innerLearner).toEqual({ ...config.inner.learner, measure: 'mean' });
    expect(measured.innerLearner).toEqual(byDefault.innerLearner);
    expect(measured.methods.meta.returns).toEqual(byDefault.methods.meta.returns);
    // "search" is recorded as evals before the flag were (no field), so it pools with them and not with "mean".
    expect(searched.innerLearner).toEqual(config.inner.learner);
    expect(searched.methods.meta.returns).not.toEqual(byDefault.methods.meta.returns);
    expect(readFileSync(join(plain, 'results.md'), 'utf8')).toMatch(
      /each k measured at the adapted context;/,
    );
    expect(readFileSync(join(search, 'results.md'), 'utf8')).toMatch(
      /measured on the context search distribution;/,
    );

    const bad = await terrarium(['eval', '--run', dir, '--context-measure', 'median']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--context-measure: expected search or mean, got "median"');
  });

  it("--baseline-learner weights fine-tunes the baselines with the run's weight learner; the meta-init as before", async () => {
    const config = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    expect((await terrarium(['pretrain', '--run', dir])).code).toBe(0);
    const evalTo = async (out: string, ...flags: string[]) => {
      const result = await quickEval(dir, 'random,pretrained', '--out', out, ...flags);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    };
    const [plain, weights] = [tempDir(), tempDir()];
    const byContext = await evalTo(plain);
    const byWeights = await evalTo(weights, '--baseline-learner', 'weights');
    expect(byContext.baselineLearner).toBeUndefined();
    expect(byWeights.baselineLearner).toEqual(config.inner.weights!.learner);
    expect(byWeights.methods.meta.returns).toEqual(byContext.methods.meta.returns);
    for (const name of ['random', 'pretrained']) {
      const [context, ppo] = [byContext.methods[name].returns, byWeights.methods[name].returns];
      // The same init on the same first batch; after one update, a PPO step on the weights, not a context step.
      expect(ppo.map((task: number[][]) => task[0]![0])).toEqual(
        context.map((task: number[][]) => task[0]![0]),
      );
      expect(ppo.map((task: number[][]) => task[0]![1])).not.toEqual(
        context.map((task: number[][]) => task[0]![1]),
      );
    }
    expect(readFileSync(join(weights, 'results.md'), 'utf8')).toContain(
      "the baselines adapted with the run's weight learner (ppo updates)",
    );

    const plainRun = tempDir();
    await train(tinyBallNav(), plainRun);
    const refused = await quickEval(plainRun, 'random', '--baseline-learner', 'weights');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--baseline-learner: expected run for a run without inner.weights');
    const bad = await quickEval(dir, 'random', '--baseline-learner', 'ppo');
    expect(bad.stderr).toContain('--baseline-learner: expected run or weights, got "ppo"');
  });

  it("--meta-learner inner-loop adapts the meta-init with the run's whole inner loop: context steps, then weight updates", async () => {
    const config = tinyBallNav({ inner: contextInner, policy: contextPolicy }) as RlTrainConfig;
    const dir = tempDir();
    await train(config, dir);
    const evalTo = async (out: string, ...flags: string[]) => {
      const args = ['--baselines', 'random', '--tasks', '2', '--k', '2', '--seeds', '1', '--out', out];
      const result = await terrarium(['eval', '--run', dir, ...args, ...flags]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    };
    const [plain, loop, loopOnThreads] = [tempDir(), tempDir(), tempDir()];
    const byContext = await evalTo(plain);
    const byLoop = await evalTo(loop, '--meta-learner', 'inner-loop');
    const byLoopOnThreads = await evalTo(loopOnThreads, '--meta-learner', 'inner-loop', '--workers', '2');
    expect(byContext.metaLearner).toBeUndefined();
    expect(byLoop.metaLearner).toBe('inner-loop');
    const [context, inner] = [byContext.methods.meta.returns, byLoop.methods.meta.returns];
    // The same init on the same first batch; k = 2 is a PPO step on the weights there, a second context step here.
    expect(inner.map((task: number[][]) => task[0]![0])).toEqual(
      context.map((task: number[][]) => task[0]![0]),
    );
    expect(inner.map((task: number[][]) => task[0]![2])).not.toEqual(
      context.map((task: number[][]) => task[0]![2]),
    );
    for (const task of inner) expect(task[0]).toHaveLength(3);
    // The baselines are untouched, and worker threads give the same numbers.
    expect(byLoop.methods.random.returns).toEqual(byContext.methods.random.returns);
    expect(byLoopOnThreads.methods.meta.returns).toEqual(inner);
    expect(readFileSync(join(loop, 'results.md'), 'utf8')).toContain(
      "the meta-init adapted with the run's inner loop (1 context step(s), then ppo weight updates)",
    );

    const plainRun = tempDir();
    await train(tinyBallNav(), plainRun);
    const refused = await quickEval(plainRun, 'random', '--meta-learner', 'inner-loop');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--meta-learner: expected run for a run without inner.weights');
    const bad = await quickEval(dir, 'random', '--meta-learner', 'ppo');
    expect(bad.stderr).toContain('--meta-learner: expected run or inner-loop, got "ppo"');
  });

  it('rejects context configs that could not learn, naming the field', () => {
    const base = {
      env: 'ball-nav',
      iterations: 1,
      metaBatchSize: 2,
      inner: contextInner,
      policy: contextPolicy,
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { policy: { ...contextPolicy, contextDim: 0 } },
        /policy\.contextDim: expected at least 1 with the context/,
      ],
      [{ inner: { ...contextInner, weights: undefined } }, /inner\.weights: expected \{ updates, learner \}/],
      [{ algo: 'fomaml' }, /algo: expected "reptile" with the context learner/],
      [
        { inner: { ...contextInner, weights: { updates: 1, learner: { algo: 'context' } } } },
        /inner\.weights\.learner\.algo: expected "vpg" or "ppo"/,
      ],
      [
        {
          inner: {
            ...contextInner,
            weights: { updates: 1, learner: { algo: 'vpg' }, fromContextBatches: true },
          },
        },
        /inner\.weights\.learner\.algo: expected "ppo" with inner\.weights\.fromContextBatches, got "vpg"/,
      ],
      [
        { inner: { ...contextInner, learner: { algo: 'ppo' } } },
        /inner\.weights: expected absent unless inner\.learner\.algo is "context"/,
      ],
    ];
    for (const [overrides, message] of cases) {
      expect(() => parseTrainConfig({ ...base, ...overrides })).toThrow(message);
    }
  });
});
