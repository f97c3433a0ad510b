import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../../bench/time-to-result.js';
import { measureTimeToResult } from '../../bench/time-to-result-measure.js';
import { initBackend } from '../../src/agents/backend.js';
import { loadLatestCheckpoint, saveCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { createJobRunner } from '../../src/meta/pool.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { steeringOracle } from '../agents/helpers.js';
import { readMetrics, tinySine } from '../meta/helpers.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'terrarium-ttr-'));

/** ball-nav's best recipe (FOMAML, Meta-SGD, no measuring batch, eps annealed to 0), shrunk to run in seconds. */
const metaJson = {
  env: 'ball-nav',
  algo: 'fomaml',
  iterations: 3,
  metaBatchSize: 2,
  maxEpisodeSteps: 20,
  outer: { eps0: 1, eps1: 0, optimizer: 'sgd' },
  inner: {
    steps: 2,
    episodesPerUpdate: 2,
    measureFinal: false,
    learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' },
  },
  policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
  metaSgd: { lr: 0.05, maxScale: 10, initStep: 'gradient' },
  checkpointEvery: 10,
  workers: 0,
  backend: 'cpu',
};
/** On a worker thread, as the recipe trains: the pool is kept across the pauses. */
const config = parseTrainConfig({ ...metaJson, workers: 1 }) as RlTrainConfig;

/** An oracle run whose policy reads the goal it is told and steers to it (a linear PD controller). */
async function steeringOracleRun(): Promise<string> {
  const dir = tempDir();
  await initBackend('cpu');
  const { policy, params } = steeringOracle();
  const oracleConfig = parseTrainConfig({
    ...metaJson,
    algo: 'pretrain',
    iterations: 1,
    observeTask: true,
    policy,
    metaSgd: undefined,
  });
  await (await createTrainer({ config: oracleConfig, outDir: dir })).run();
  const { checkpoint } = await loadLatestCheckpoint(dir);
  await saveCheckpoint(dir, { ...checkpoint, iteration: checkpoint.iteration + 1, params });
  return dir;
}

let oracleRun = '';
beforeAll(async () => {
  oracleRun = await steeringOracleRun();
});

const measure = (outDir: string, target: number, every = 1) =>
  measureTimeToResult({ config, oracle: { run: oracleRun }, target, every, tasks: 2, seeds: 1, outDir });

describe('bench time-to-result', () => {
  let unreached: Awaited<ReturnType<typeof measure>>;

  it('pausing for evals leaves the run unchanged: the same params as one unpaused run', async () => {
    unreached = await measure(tempDir(), 1e6);
    const straight = tempDir();
    await (await createTrainer({ config, outDir: straight })).run();
    const paused = await loadLatestCheckpoint(unreached.runDir);
    const unpaused = await loadLatestCheckpoint(straight);
    expect(paused.iteration).toBe(3);
    expect(Array.from(paused.params)).toEqual(Array.from(unpaused.params));
    expect(paused.obsNorm).toEqual(unpaused.obsNorm);
    expect(Array.from(paused.checkpoint.stepScales!.log)).toEqual(
      Array.from(unpaused.checkpoint.stepScales!.log),
    );
    const returns = (dir: string) => readMetrics(dir).map((m) => m.taskReturns);
    expect(returns(unreached.runDir)).toEqual(returns(straight));
  });

  it('the evals leave the run unchanged when the jobs share their thread too (workers 0)', async () => {
    const inThread = parseTrainConfig(metaJson) as RlTrainConfig;
    const options = { oracle: { run: oracleRun }, target: 1e6, every: 1, tasks: 2, seeds: 1 };
    const paused = await measureTimeToResult({ ...options, config: inThread, outDir: tempDir() });
    const straight = tempDir();
    await (await createTrainer({ config: inThread, outDir: straight })).run();
    const a = await loadLatestCheckpoint(paused.runDir);
    const b = await loadLatestCheckpoint(straight);
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    // The worker count changes nothing, as the trainer promises: the same run as on a worker thread.
    expect(Array.from(a.params)).toEqual(Array.from((await loadLatestCheckpoint(unreached.runDir)).params));
  });

  it('reports a norm curve on the eval scale and "not reached" with the best norm', () => {
    const r = unreached;
    expect(r).toMatchObject({ bench: 'time-to-result', env: 'ball-nav', reached: false, maxIterations: 3 });
    expect(r).toMatchObject({ iteration: null, trainingSeconds: null, envSteps: null });
    expect(r.curve.map((p) => p.iteration)).toEqual([1, 2, 3]);
    // The steering oracle is far above the random init: the norm scale exists.
    expect(r.references.oracle0 - r.references.random0).toBeGreaterThan(5);
    for (const p of r.curve) {
      expect(p.norm).toBeCloseTo(
        (p.returnAfterOneUpdate - r.references.random0) / (r.references.oracle0 - r.references.random0),
        12,
      );
      expect(p.normCi95[0]).toBeLessThanOrEqual(p.norm);
      expect(p.normCi95[1]).toBeGreaterThanOrEqual(p.norm);
    }
    expect(r.bestNorm).toBe(Math.max(...r.curve.map((p) => p.norm)));
    expect(r.curve.find((p) => p.norm === r.bestNorm)!.iteration).toBe(r.bestIteration);
    expect(r.loadAverage.start).toHaveLength(3);
    expect(r.loadAverage.end).toHaveLength(3);
    expect(r.machine.cores).toBeGreaterThan(0);
  });

  it("counts the trainer's clock and env steps, never the evals between its segments", () => {
    const r = unreached;
    const metrics = readMetrics(r.runDir);
    r.curve.forEach((p) => {
      const line = metrics[p.iteration - 1]!;
      // The trainer's clock runs only inside run(); the evals run between runs.
      expect(p.trainingSeconds).toBeCloseTo(r.seconds.startup + line.totalWallSeconds, 9);
      expect(p.envSteps).toBe(line.totalEnvSteps);
      expect(p.evalSeconds).toBeGreaterThan(0);
    });
    expect(r.seconds.eval).toBeCloseTo(
      r.curve.reduce((sum, p) => sum + p.evalSeconds, 0),
      9,
    );
    const last = r.curve.at(-1)!;
    const parts = last.trainingSeconds + r.seconds.restarts + r.seconds.eval + r.seconds.references;
    expect(parts).toBeLessThanOrEqual(r.seconds.wall);
    expect(r.seconds.oracleTraining).toBeNull();
  });

  it('stops at the first eval that reaches the target and reports its time and env steps', async () => {
    const second = unreached.curve[1]!;
    const r = await measure(tempDir(), second.norm);
    const hit = unreached.curve.find((p) => p.norm >= second.norm)!;
    expect(r.reached).toBe(true);
    // Same seed, same tasks and eval seeds: the same norms as the unreached run, up to the hit.
    expect(r.curve.map((p) => p.norm)).toEqual(
      unreached.curve.filter((p) => p.iteration <= hit.iteration).map((p) => p.norm),
    );
    expect(r.iteration).toBe(hit.iteration);
    expect(r.envSteps).toBe(hit.envSteps);
    expect(r.trainingSeconds).toBe(r.curve.at(-1)!.trainingSeconds);
    expect((await loadLatestCheckpoint(r.runDir)).iteration).toBe(hit.iteration);
  });

  it("adapts a context run's oracle with the context learner, widened with zero rows as eval's baselines are", async () => {
    const contextConfig = parseTrainConfig({
      ...metaJson,
      algo: 'reptile',
      metaSgd: undefined,
      inner: {
        steps: 1,
        episodesPerUpdate: 2,
        measureFinal: false,
        learner: { algo: 'context', lr: 2, sigma: 1 },
        weights: { updates: 1, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
      },
      policy: { ...metaJson.policy, contextDim: 2 },
    }) as RlTrainConfig;
    const outDir = tempDir();
    const r = await measureTimeToResult({
      config: contextConfig,
      oracle: { run: oracleRun },
      target: 1e6,
      every: 1,
      tasks: 2,
      seeds: 1,
      outDir,
      maxIterations: 1,
    });
    const widened = await loadLatestCheckpoint(join(outDir, 'oracle-widened'));
    expect((widened.config as RlTrainConfig).policy.contextDim).toBe(2);
    // Zero rows: the context perturbations of k = 0 leave the steering oracle as good as it was.
    expect(r.references.oracle0).toBeCloseTo(unreached.references.oracle0, 6);
    expect(r.curve.map((p) => p.iteration)).toEqual([1]);
  });

  it("a trainer refuses a job runner whose worker count is not the config's", async () => {
    const runner = createJobRunner({ workers: 0 });
    await expect(createTrainer({ config, outDir: tempDir(), jobRunner: runner })).rejects.toThrow(
      /^jobRunner.workers: expected config.workers \(1\), got 0$/,
    );
  });

  it('refuses more held-out tasks than the test split has, or a used --out, before training anything', async () => {
    const options = { config, oracle: { config }, target: 0.8, every: 1, seeds: 1 };
    const out = tempDir();
    await expect(measureTimeToResult({ ...options, tasks: 101, outDir: out })).rejects.toThrow(
      /^--tasks: expected an integer in \[1, 100\] \(the test split's size\), got 101$/,
    );
    expect(readdirSync(out)).toEqual([]);
    await expect(measureTimeToResult({ ...options, tasks: 2, outDir: unreached.runDir })).rejects.toThrow(
      /^--out: expected a new or empty directory, got ".*meta" \(it holds checkpoints, config.json, metrics.jsonl\)$/,
    );
  });

  it('refuses an oracle run of another env, naming the flag', async () => {
    const sineRun = tempDir();
    await (await createTrainer({ config: tinySine({ iterations: 1 }), outDir: sineRun })).run();
    await expect(
      measureTimeToResult({
        config,
        oracle: { run: sineRun },
        target: 0.8,
        every: 1,
        tasks: 2,
        seeds: 1,
        outDir: tempDir(),
      }),
    ).rejects.toThrow(
      /^--oracle-run: expected a run of the meta config's env "ball-nav", .* got "env \\"sine\\""$/,
    );
  });
});

/** `npm run bench -- time-to-result ...` as a process (bench/run.ts through tsx, as npm runs it). */
function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', tsx, 'bench/run.ts', 'time-to-result', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm run bench -- time-to-result', () => {
  it('without --oracle-run trains the oracle.json beside the config into OUT/oracle, timed apart; --json prints one object', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...metaJson, iterations: 2 }));
    writeFileSync(
      join(dir, 'oracle.json'),
      JSON.stringify({
        ...metaJson,
        algo: 'pretrain',
        metaSgd: undefined,
        observeTask: true,
        iterations: 4,
        inner: { steps: 4, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
        // Linear in what it sees, goal included: 16 VPG updates take it above the random init (else the bench
        // refuses the oracle, as the next test's error cases do for their flags).
        policy: { hiddenSizes: [], obsNorm: false, valueFunction: false },
      }),
    );
    const out = join(dir, 'out');
    const args = ['--config', join(dir, 'meta.json'), '--out', out, '--tasks', '2', '--seeds', '1', '--json'];
    const { code, stdout, stderr } = await bench([...args, '--every', '2']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.references).toMatchObject({ oracleRun: join(out, 'oracle'), oracleTrained: true });
    expect(report.seconds.oracleTraining).toBeGreaterThan(0);
    expect(report.oracleEnvSteps).toBe(readMetrics(join(out, 'oracle')).at(-1)!.totalEnvSteps);
    expect(report.curve.map((p: { iteration: number }) => p.iteration)).toEqual([2]);
    expect(stderr).toMatch(/time-to-result: iteration 2: norm /);
  });

  it('a bad flag is refused with one line naming it, exit code 2', async () => {
    const { code, stdout, stderr } = await bench(['--every', '0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^bench time-to-result: --every: expected an integer >= 1, got "0"$/m);
    expect(stdout).not.toMatch(/[{]/);
  });

  it.each([
    [['--tasks', '1.5'], /^--tasks: expected an integer >= 1, got "1.5"$/],
    [['--target', 'high'], /^--target: expected a finite number, got "high"$/],
    [['--target', ''], /^--target: expected a finite number, got ""$/],
    [['--epochs', '3'], /^time-to-result: expected flags among --config, .*--json, got "--epochs 3"/],
  ])('%j is refused naming the flag, the value and what is allowed', (args, message) => {
    expect(() => parseFlags(args)).toThrow(message);
  });

  it("the flags default to ball-nav's best recipe, target 0.8, an eval every 5 iterations", () => {
    expect(parseFlags([])).toMatchObject({
      '--config': 'configs/ball-nav/meta.json',
      '--target': 0.8,
      '--every': 5,
      '--json': false,
    });
  });
});
