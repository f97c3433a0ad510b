import { describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import type { SineTrainConfig } from '../../src/meta/config.js';
import type { AdaptJob } from '../../src/meta/meta-learner.js';
import { createJobRunner } from '../../src/meta/pool.js';
import { sineMetaLearner } from '../../src/meta/sine-learner.js';
import { createTrainer } from '../../src/meta/trainer.js';
import { readMetrics, tempDir, tinyBallNav, tinySine, train } from './helpers.js';

describe('parallel adaptation', () => {
  it('a sine run on 2 worker threads equals the serial run exactly', async () => {
    const serialDir = tempDir();
    const parallelDir = tempDir();
    await train(tinySine({ workers: 0 }), serialDir);
    await train(tinySine({ workers: 2 }), parallelDir);
    const serial = readMetrics(serialDir);
    const parallel = readMetrics(parallelDir);
    expect(parallel.map((m) => m.taskReturns)).toEqual(serial.map((m) => m.taskReturns));
    const a = await loadLatestCheckpoint(serialDir);
    const b = await loadLatestCheckpoint(parallelDir);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
  });

  it('a ball-nav run on 2 worker threads equals the serial run exactly (returns, params, obs-norm)', async () => {
    const serialDir = tempDir();
    const parallelDir = tempDir();
    await train(tinyBallNav({ workers: 0, backend: 'wasm' }), serialDir);
    await train(tinyBallNav({ workers: 2, backend: 'wasm' }), parallelDir);
    const serial = readMetrics(serialDir);
    const parallel = readMetrics(parallelDir);
    expect(serial).toHaveLength(2);
    expect(serial[0]!.envSteps).toBeGreaterThan(0);
    expect(parallel.map((m) => m.taskReturns)).toEqual(serial.map((m) => m.taskReturns));
    const a = await loadLatestCheckpoint(serialDir);
    const b = await loadLatestCheckpoint(parallelDir);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(b.obsNorm).toEqual(a.obsNorm);
  });

  it('a sequential PPO pretrain on one worker equals the in-thread run exactly', async () => {
    const ppo = { algo: 'ppo', learningRate: 3e-4, updateEpochs: 2, numMinibatches: 2 };
    const config = (workers: number) =>
      tinyBallNav({
        algo: 'pretrain',
        pretrainMode: 'sequential',
        inner: { steps: 2, episodesPerUpdate: 2, learner: ppo },
        policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: true },
        workers,
      });
    const [inThread, onWorker] = [tempDir(), tempDir()];
    await train(config(0), inThread);
    await train(config(1), onWorker);
    expect(readMetrics(onWorker).map((m) => m.taskReturns)).toEqual(
      readMetrics(inThread).map((m) => m.taskReturns),
    );
    const [a, b] = [await loadLatestCheckpoint(inThread), await loadLatestCheckpoint(onWorker)];
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
  });

  it.each([
    { where: 'on a worker', workers: 1, steps: 20 },
    { where: 'in this thread', workers: 0, steps: 2000 },
  ])('stop() during the one job of an iteration drops the iteration ($where)', async ({ workers, steps }) => {
    // The iteration is one long job (seconds on a worker; 2000 updates, 800 k env steps, in this thread); stop()
    // comes 300 ms in. A worker's job is dropped at once; an in-thread job is abandoned after its running update.
    // Were either run to its end, the run would count one iteration.
    const config = tinyBallNav({
      algo: 'pretrain',
      pretrainMode: 'sequential',
      maxEpisodeSteps: 200,
      inner: { steps, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.1, baseline: 'linear' } },
      workers,
    });
    const trainer = await createTrainer({ config, outDir: tempDir() });
    const running = trainer.run();
    setTimeout(() => trainer.stop(), 300);
    const summary = await running;
    expect(summary.iterations).toBe(0);
    expect(summary.stopped).toBe(true);
  });

  it('two in-thread ball-nav runs at once equal the same runs one after the other (their jobs take turns)', async () => {
    const configs = [tinyBallNav({ seed: 1 }), tinyBallNav({ seed: 2 })];
    const after = [tempDir(), tempDir()];
    for (const [i, config] of configs.entries()) await train(config, after[i]!);
    const together = [tempDir(), tempDir()];
    await Promise.all(configs.map((config, i) => train(config, together[i]!)));
    for (const i of [0, 1]) {
      expect(readMetrics(together[i]!).map((m) => m.taskReturns)).toEqual(
        readMetrics(after[i]!).map((m) => m.taskReturns),
      );
      const [a, b] = [await loadLatestCheckpoint(after[i]!), await loadLatestCheckpoint(together[i]!)];
      expect(Array.from(b.params)).toEqual(Array.from(a.params));
    }
  });

  it('a worker that dies mid-job is replaced and the job retried, with the same result', async () => {
    const config = tinySine({
      hidden: [40, 40],
      inner: { steps: 4000, lr: 0.01, points: 10, batchSize: 10 },
    });
    const learner = sineMetaLearner(config as SineTrainConfig);
    const { params } = await learner.init(1);
    const job: AdaptJob = learner.job({
      iteration: 0,
      taskIndex: 0,
      params,
      obsNorm: null,
      task: learner.sampleTasks(1, 5)[0],
      seed: 9,
    });
    const crashes: string[] = [];
    const runner = createJobRunner({ workers: 1, onWorkerCrash: (info) => crashes.push(info.error.message) });
    try {
      const warm = learner.job({ ...job, params, seed: 1, taskIndex: 1 });
      await runner.run({ ...warm, spec: { ...job.spec, steps: 1 } } as AdaptJob);
      const pending = runner.run(job);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await runner.threads()[0]!.terminate();
      const result = await pending;
      expect(crashes).toHaveLength(1);
      const inProcess = await createJobRunner({ workers: 0 }).run(job);
      expect(Array.from(result.params)).toEqual(Array.from(inProcess.params));
      expect(result.stats.returns).toEqual(inProcess.stats.returns);
    } finally {
      await runner.close();
    }
  });
});

describe('job errors', () => {
  it('a bad task fails the job with the TerrariumError from the worker, and is not retried', async () => {
    const config = tinySine();
    const learner = sineMetaLearner(config as SineTrainConfig);
    const { params } = await learner.init(1);
    const crashes: unknown[] = [];
    const runner = createJobRunner({ workers: 1, onWorkerCrash: (info) => crashes.push(info) });
    try {
      const job = learner.job({
        iteration: 0,
        taskIndex: 0,
        params,
        obsNorm: null,
        task: { amplitude: 9, phase: 0 },
        seed: 1,
      });
      const error = await runner.run(job).catch((e) => e);
      expect(error).toBeInstanceOf(TerrariumError);
      expect(error.path).toBe('task.amplitude');
      expect(error.message).toMatch(/^task\.amplitude: expected .*got 9/);
      expect(crashes).toHaveLength(0);
    } finally {
      await runner.close();
    }
  });
});
