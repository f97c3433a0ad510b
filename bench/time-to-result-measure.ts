/**
 * Time to result: meta-train a config and measure, every `every` iterations, how good its meta-init is after ONE
 * inner update on held-out tasks, until that reaches a target norm.
 *
 * norm is `terrarium eval`'s: (R_1 - R_random0) / (R_oracle0 - R_random0) (stats.ts normalizedScore), where R_1 is
 * the meta-init's mean return after one update and R_random0, R_oracle0 the random init's and the oracle's mean
 * return before any update, measured once before training on the same held-out tasks and eval seeds (evaluate.ts:
 * common random numbers, so every point of the curve is compared on the same episodes' randomness).
 *
 * Training pauses for each eval: the trainer runs with `stopAfter`, the eval reads the checkpoint it saved, and a
 * new trainer resumes from it. A resumed run continues bit-exactly, so the run is the one an unpaused `terrarium
 * train` makes (tested). The clocks are kept apart:
 *   trainingSeconds  the trainer's own clock (metrics.jsonl totalWallSeconds: each iteration from sampling its tasks
 *                    to the meta step) plus the first start-up (learner, run directory), as one unpaused run pays it;
 *                    the worker pool is made once and kept across the pauses, so its start-up (workers loading tfjs
 *                    and Rapier, inside the first iteration's time) is paid once, as in an unpaused run;
 *   restartSeconds   what pausing adds: the later trainer start-ups and the checkpoints saved at each pause;
 *   evalSeconds      the evals between segments, and referenceSeconds the one before training;
 *   oracleSeconds    training the oracle, when this measurement had to.
 * A context run's oracle (trained without a context) is widened with zero context rows first, as `terrarium
 * pretrain --oracle` leaves it for `terrarium eval` (widen-baseline.ts).
 */

import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { type BackendName, initBackend } from '../src/agents/backend.js';
import { machineInfo } from '../src/cli/machine-info.js';
import { TerrariumError } from '../src/core/errors.js';
import { type LoadedRun, loadLatestCheckpoint } from '../src/meta/checkpoint.js';
import { isSineConfig, type RlTrainConfig, type TrainConfig } from '../src/meta/config.js';
import { withContextMeasure } from '../src/meta/eval/context-measure.js';
import { evalTasks, evaluate } from '../src/meta/eval/evaluate.js';
import { type EvalMethod, metaMethod, randomMethod } from '../src/meta/eval/methods.js';
import { readMetrics } from '../src/meta/eval/run-eval.js';
import { normalizedScore } from '../src/meta/eval/stats.js';
import { needsContextInputs, widenBaseline } from '../src/meta/eval/widen-baseline.js';
import { createJobRunner } from '../src/meta/pool.js';
import { createTrainer } from '../src/meta/trainer.js';

export interface TimeToResultOptions {
  /** The recipe meta-trained (an RL config). */
  config: RlTrainConfig;
  /** A finished oracle run to measure R_oracle0 with; or, without one, the oracle config trained into OUT/oracle. */
  oracle: { run: string } | { config: TrainConfig };
  /** Stop once norm after one update reaches this. */
  target: number;
  /** Meta-iterations between evals. */
  every: number;
  /** Held-out tasks (the first N of the test split) and eval seeds per task. */
  tasks: number;
  seeds: number;
  /** Where the meta-run (OUT/meta) and a trained oracle (OUT/oracle) go. */
  outDir: string;
  /** Train at most this many iterations (the config's own count keeps setting the eps schedule). */
  maxIterations?: number;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { phase: 'oracle'; iteration: number; of: number }
  | { phase: 'references' | 'eval'; done: number; of: number }
  | { phase: 'train'; iteration: number; of: number }
  | { phase: 'point'; point: CurvePoint; of: number };

export interface CurvePoint {
  /** Meta-iterations done, and the run's env steps and training seconds (see above) at that point. */
  iteration: number;
  envSteps: number;
  trainingSeconds: number;
  /** Mean return after one update on the held-out tasks, its norm and the norm's 95 % interval over tasks. */
  returnAfterOneUpdate: number;
  norm: number;
  normCi95: [number, number];
  evalSeconds: number;
  /** os.loadavg()[0] when this point was measured. */
  loadAverage1: number;
}

export interface TimeToResultReport {
  bench: 'time-to-result';
  env: string;
  target: number;
  every: number;
  tasks: number;
  seeds: number;
  /** Iterations this measurement would train at most. */
  maxIterations: number;
  reached: boolean;
  /** At the first point whose norm reached the target; null when not reached. */
  iteration: number | null;
  trainingSeconds: number | null;
  envSteps: number | null;
  bestNorm: number | null;
  bestIteration: number | null;
  curve: CurvePoint[];
  references: { random0: number; oracle0: number; oracleRun: string; oracleTrained: boolean };
  seconds: {
    startup: number;
    restarts: number;
    eval: number;
    references: number;
    oracleTraining: number | null;
    wall: number;
  };
  oracleEnvSteps: number | null;
  /** Worker threads that died during meta-training (their jobs were retried: the run is the same, its time is not). */
  workerCrashes: number;
  machine: ReturnType<typeof machineInfo>;
  /** os.loadavg() (1, 5, 15 minutes) at the start and the end: the load a result was measured under. */
  loadAverage: { start: number[]; end: number[] };
  runDir: string;
}

const now = () => performance.now() / 1000;

export async function measureTimeToResult(options: TimeToResultOptions): Promise<TimeToResultReport> {
  const { config, target, every, tasks, seeds, onProgress } = options;
  const loadStart = os.loadavg();
  const started = now();
  const maxIterations = Math.min(config.iterations, options.maxIterations ?? config.iterations);
  // Bad input fails now, not after the oracle has trained.
  evalTasks(config, tasks);
  await checkNewOut(options.outDir);

  const oracle = await prepareOracle(options);
  const { random0, oracle0, seconds: referenceSeconds } = await measureReferences(options, oracle);
  const toNorm = (r: number) => (r - random0) / (oracle0 - random0);

  const runDir = join(options.outDir, 'meta');
  const curve: CurvePoint[] = [];
  let done = 0;
  let startup = 0;
  let restarts = 0;
  let evalSeconds = 0;
  // One pool for every segment: its workers stay warm across the pauses, as in one unpaused run.
  let workerCrashes = 0;
  const runner = createJobRunner({ workers: config.workers, onWorkerCrash: () => workerCrashes++ });
  try {
    while (done < maxIterations) {
      const segmentStarted = now();
      const trainer = await createTrainer({
        config,
        outDir: runDir,
        resume: done > 0,
        stopAfter: Math.min(done + every, maxIterations),
        jobRunner: runner,
      });
      trainer.streams.metrics$.subscribe((m) =>
        onProgress?.({ phase: 'train', iteration: m.iteration + 1, of: maxIterations }),
      );
      const summary = await trainer.run();
      const segmentSeconds = now() - segmentStarted;
      const metrics = await readMetrics(runDir);
      const segmentIterations = metrics.filter(
        (m) => m.iteration >= done && m.iteration < summary.iterations,
      );
      const overhead = segmentSeconds - segmentIterations.reduce((sum, m) => sum + m.wallSeconds, 0);
      if (done === 0) startup = overhead;
      else restarts += overhead;
      if (summary.iterations === done) break; // the env-step budget was already spent
      done = summary.iterations;
      const last = metrics[metrics.length - 1]!;

      const point: CurvePoint = {
        iteration: done,
        envSteps: last.totalEnvSteps,
        trainingSeconds: startup + last.totalWallSeconds,
        ...(await evalAfterOneUpdate(options, await loadLatestCheckpoint(runDir), toNorm)),
        loadAverage1: os.loadavg()[0]!,
      };
      evalSeconds += point.evalSeconds;
      curve.push(point);
      onProgress?.({ phase: 'point', point, of: maxIterations });
      if (point.norm >= target || !summary.stopped) break;
    }
  } finally {
    await runner.close();
  }

  const hit = curve.find((p) => p.norm >= target) ?? null;
  const best = curve.reduce<CurvePoint | null>((b, p) => (b === null || p.norm > b.norm ? p : b), null);
  return {
    bench: 'time-to-result',
    env: config.env,
    target,
    every,
    tasks,
    seeds,
    maxIterations,
    reached: hit !== null,
    iteration: hit?.iteration ?? null,
    trainingSeconds: hit?.trainingSeconds ?? null,
    envSteps: hit?.envSteps ?? null,
    bestNorm: best?.norm ?? null,
    bestIteration: best?.iteration ?? null,
    curve,
    references: { random0, oracle0, oracleRun: oracle.dir, oracleTrained: oracle.trained !== null },
    seconds: {
      startup,
      restarts,
      eval: evalSeconds,
      references: referenceSeconds,
      oracleTraining: oracle.trained?.seconds ?? null,
      wall: now() - started,
    },
    oracleEnvSteps: oracle.trained?.envSteps ?? null,
    workerCrashes,
    machine: machineInfo(),
    loadAverage: { start: loadStart, end: os.loadavg() },
    runDir,
  };
}

/** R_random0 and R_oracle0: the random init's and the oracle's mean return before any update. */
async function measureReferences(
  options: TimeToResultOptions,
  oracle: { run: LoadedRun; dir: string },
): Promise<{ random0: number; oracle0: number; seconds: number }> {
  const { config, tasks, seeds, onProgress } = options;
  const started = now();
  const oracleMethod: EvalMethod = { ...metaMethod(oracle.run), name: 'oracle' };
  const references = await evaluate({
    config: withContextMeasure(config),
    methods: [randomMethod(config), oracleMethod],
    tasks,
    k: 0,
    seeds,
    onProgress: (done, of) => onProgress?.({ phase: 'references', done, of }),
  });
  const random0 = references.normReference.random0!;
  const oracle0 = references.normReference.oracle0!;
  if (normalizedScore(0, random0, oracle0) === null) {
    throw new TerrariumError(
      '--oracle-run',
      oracle.dir,
      `an oracle whose mean return before any update is above the random init's on the ${tasks} held-out tasks`,
      `oracle ${oracle0.toFixed(2)}, random ${random0.toFixed(2)}: no norm scale; train the oracle longer`,
    );
  }
  return { random0, oracle0, seconds: now() - started };
}

/** The meta-init of `run` adapted by one update on the held-out tasks: R_1, its norm and the norm's interval. */
async function evalAfterOneUpdate(
  options: TimeToResultOptions,
  run: LoadedRun,
  toNorm: (r: number) => number,
): Promise<Pick<CurvePoint, 'returnAfterOneUpdate' | 'norm' | 'normCi95' | 'evalSeconds'>> {
  const started = now();
  const report = await evaluate({
    config: withContextMeasure(options.config),
    methods: [metaMethod(run)],
    tasks: options.tasks,
    k: 1,
    seeds: options.seeds,
    onProgress: (done, of) => options.onProgress?.({ phase: 'eval', done, of }),
  });
  const { mean, ci95 } = report.methods.meta!;
  return {
    returnAfterOneUpdate: mean[1]!,
    norm: toNorm(mean[1]!),
    normCi95: [toNorm(ci95[1]![0]), toNorm(ci95[1]![1])],
    evalSeconds: now() - started,
  };
}

/** The oracle run: the one given, or the oracle config trained into OUT/oracle (timed apart). */
async function prepareOracle(options: TimeToResultOptions): Promise<{
  run: LoadedRun;
  dir: string;
  trained: { seconds: number; envSteps: number } | null;
}> {
  let dir: string;
  let trained: { seconds: number; envSteps: number } | null = null;
  if ('run' in options.oracle) {
    dir = options.oracle.run;
  } else {
    dir = join(options.outDir, 'oracle');
    checkOracleConfig(options.oracle.config, options.config, 'oracle config');
    const started = now();
    const trainer = await createTrainer({ config: options.oracle.config, outDir: dir });
    const of = options.oracle.config.iterations;
    trainer.streams.metrics$.subscribe((m) =>
      options.onProgress?.({ phase: 'oracle', iteration: m.iteration + 1, of }),
    );
    const summary = await trainer.run();
    trained = { seconds: now() - started, envSteps: summary.lastMetrics?.totalEnvSteps ?? 0 };
  }
  const run = await loadLatestCheckpoint(dir);
  checkOracleConfig(run.config, options.config, '--oracle-run');
  if (!needsContextInputs(options.config, run.config as RlTrainConfig)) return { run, dir, trained };
  // A context run adapts the oracle with its context learner: widened with zero rows as `terrarium pretrain` does.
  const widened = join(options.outDir, 'oracle-widened');
  await initBackend(options.config.backend as BackendName);
  await widenBaseline(dir, options.config, widened);
  return { run: await loadLatestCheckpoint(widened), dir, trained };
}

/** The oracle must act in the meta-run's env, reward and task distribution (its obs then differ only by the task). */
function checkOracleConfig(oracle: TrainConfig, meta: RlTrainConfig, field: string): void {
  const describe = (c: TrainConfig) =>
    isSineConfig(c)
      ? 'env "sine"'
      : `env "${c.env}", reward ${c.reward ?? '-'}, tasks ${JSON.stringify(c.tasks ?? {})}`;
  if (describe(oracle) !== describe(meta)) {
    throw new TerrariumError(field, describe(oracle), `a run of the meta config's ${describe(meta)}`);
  }
}

/** OUT must be new or empty: the meta-run (and a trained oracle) start there from nothing. */
async function checkNewOut(outDir: string): Promise<void> {
  const entries = await readdir(outDir).catch(() => [] as string[]);
  if (entries.length > 0) {
    const shown = entries.sort().slice(0, 5).join(', ');
    throw new TerrariumError('--out', outDir, 'a new or empty directory', `it holds ${shown}`);
  }
}
