/**
 * Reptile meta-training, top to bottom. Each meta-iteration:
 *   1. eps from the linear schedule; a meta-batch of training tasks from the task RNG (with `tasks.curriculum`,
 *      from the current level's band; the batch's return then moves the level, src/envs/curriculum.ts);
 *   2. one self-contained adapt job per task (theta, task, seed = deriveSeed(runSeed, iteration, taskIndex)), run
 *      in parallel on the worker pool (or one after another in this thread with `workers: 0`);
 *   3. the meta step (outer-step.ts, on the flat parameters): plain Reptile, Adam on the pseudo-gradient, or FOMAML;
 *      obs-norm statistics pooled (or frozen); with `metaSgd`, the per-parameter inner step sizes step too;
 *      ("pretrain" replaces 2 and 3 with multi-task updates, pretrain-step.ts: no meta-learning);
 *   4. a metrics.jsonl line, the metrics$ / adaptation$ events, and every `checkpointEvery` iterations a checkpoint.
 * Per-task seeds depend only on (run seed, iteration, task index), never on scheduling, so any number of workers
 * gives the same run, and a resumed run continues bit-exactly from the checkpoint's params, Adam state and RNG.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BehaviorSubject, filter, type Observable, Subject } from 'rxjs';
import { writeDurable } from '../core/durable-write.js';
import { TerrariumError } from '../core/errors.js';
import { deriveSeed, Rng } from '../core/rng.js';
import { mean, spread } from '../core/summary.js';
import { nextLevel } from '../envs/curriculum.js';
import { saveCheckpoint, writeRunConfig } from './checkpoint.js';
import { isSineConfig, type TrainConfig } from './config.js';
import type { AdaptationEvent, MetricsEvent, TrainingStreams, WorkersEvent } from './events.js';
import { type JobProgress, jobCounter } from './job-progress.js';
import type { AdaptJob, AdaptResult, MetaLearner } from './meta-learner.js';
import { type StepScales, stepMultipliers } from './meta-sgd.js';
import { innerMultipliers, outerStep } from './outer-step.js';
import { createJobRunner, type JobRunner } from './pool.js';
import { pretrainStep } from './pretrain-step.js';
import type { QueueConnection } from './queue/connection.js';
import type { QueueStatus } from './queue/queue-runner.js';
import { linearEps } from './reptile.js';
import { checkSameConfig } from './resume-checks.js';
import { checkNewRunDir, clearRunDir } from './run-dir.js';
import { sineMetaLearner } from './sine-learner.js';
import { trainerDisplay } from './trainer-display.js';
import { startState } from './trainer-start.js';

/** One line of metrics.jsonl. */
export interface MetricsLine {
  iteration: number;
  /**
   * Mean return of the meta-init on the meta-batch (k = 0) and after the k-th (last) inner update (after the
   * (k-1)-th with `inner.measureFinal: false`); for "pretrain", before the first and before the last pooled update.
   */
  returnBefore: number;
  returnAfter: number;
  /** Per task: the returns after 0..k inner updates (0..k-1 with `inner.measureFinal: false`). */
  taskReturns: number[][];
  eps: number;
  /** Env steps of this iteration, and of the whole run so far. */
  envSteps: number;
  totalEnvSteps: number;
  /** Wall-clock seconds of this iteration, and of the whole run so far. */
  wallSeconds: number;
  totalWallSeconds: number;
  backend: string;
  workers: number;
  /** Workers that died during this iteration (their jobs were retried). */
  workerCrashes: number;
  /** Meta-SGD runs: the spread of the per-parameter step multipliers exp(s) after this iteration. */
  stepScale?: { min: number; mean: number; max: number };
  /** Per-step Meta-SGD runs: the mean multiplier of each inner update's vector. */
  stepScaleMeans?: number[];
  /** Runs with `tasks.curriculum`: the level this meta-batch was drawn at (its score sets the next one). */
  curriculumLevel?: number;
}

function stepScaleMetrics(
  scales: StepScales,
  numParams: number,
): Pick<MetricsLine, 'stepScale' | 'stepScaleMeans'> {
  const perStep = stepMultipliers(scales, numParams);
  const stepScale = spread(scales.log.map(Math.exp));
  return perStep.length > 1
    ? { stepScale, stepScaleMeans: perStep.map((m) => spread(m).mean) }
    : { stepScale };
}

export interface TrainerOptions {
  config: TrainConfig;
  /** The run directory. */
  outDir: string;
  /** Continue from the run's newest checkpoint that verifies (the directory must hold the same config). */
  resume?: boolean;
  /** Without `resume`: start over in a non-empty run directory, deleting its earlier run (see run-dir.ts). */
  force?: boolean;
  runId?: string;
  /** Stop after this many iterations (of the run, counting resumed ones); for tests and Ctrl-C-free demos. */
  stopAfter?: number;
  /**
   * Adapt on this runner (with the config's worker count) instead of a new one, and leave it open: a caller that
   * pauses and resumes a run keeps its workers warm (bench/time-to-result.ts). Its crash notices are the caller's.
   */
  jobRunner?: JobRunner;
  /** Send the adaptation jobs to this Redis server's queue (`terrarium worker` runs them) instead of `workers`. */
  queue?: { connection: QueueConnection; redisTimeoutMs?: number };
}

export interface TrainSummary {
  runDir: string;
  /** Iterations completed (including resumed ones). */
  iterations: number;
  /** True if `stop()` or `stopAfter` ended the run before `config.iterations` (or its env-step budget). */
  stopped: boolean;
  lastMetrics: MetricsLine | null;
  checkpoint: string | null;
}

export type { DisplayState } from './trainer-display.js';

export interface Trainer {
  readonly runDir: string;
  readonly streams: TrainingStreams;
  /** Notices for the user: worker crashes, checkpoints. */
  readonly notices$: Observable<string>;
  /** Each finished adaptation job: progress inside the running meta-iteration. */
  readonly jobs$: Observable<JobProgress>;
  readonly config: TrainConfig;
  /** Iterations already done when `run()` starts (non-zero after --resume). */
  readonly startIteration: number;
  /** The run's env steps and wall-clock seconds when `run()` starts (non-zero after --resume). */
  readonly startTotals: { envSteps: number; wallSeconds: number };
  /** With `resume`: which checkpoint was loaded, which were skipped and why, what metrics lines will be dropped. */
  readonly resumeNotes: string[];
  /** Prepares the run directory (nothing on disk changes before this), then trains. */
  run(): Promise<TrainSummary>;
  /** Ends the run at the next safe point: the current iteration is dropped, a checkpoint of the last is saved. */
  stop(): void;
  /** Chooses which task of the meta-batch the live rollouts show. */
  watchTask(taskIndex: number): void;
  /** A viewer's control message: select a task, pause/resume the shown episode, change its playback speed. */
  control(message: ViewerControl): void;
  /** With `queue`: workers connected and jobs waiting/active, sampled every second (null otherwise). */
  queueStatus(): QueueStatus | null;
}

/** The control messages a viewer may send (validated by the server before they get here). */
export type ViewerControl =
  | { type: 'select'; taskIndex?: number; copy?: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'speed'; value: number };

export { initSeed } from './trainer-start.js';

/** Builds the meta-learner for a config (the RL one loads tfjs and Rapier on demand). */
export async function makeMetaLearner(config: TrainConfig): Promise<MetaLearner> {
  if (isSineConfig(config)) return sineMetaLearner(config);
  const { rlMetaLearner } = await import('./rl-learner.js');
  return rlMetaLearner(config);
}

export async function createTrainer(options: TrainerOptions): Promise<Trainer> {
  const { config, outDir: runDir } = options;
  const runId = options.runId ?? runDir.split(/[\\/]/).filter(Boolean).pop() ?? 'run';
  const metricsPath = join(runDir, 'metrics.jsonl');

  if (options.resume) {
    await checkSameConfig(runDir, config);
  } else {
    await checkNewRunDir(runDir, options.force);
  }
  if (options.jobRunner && options.jobRunner.workers !== config.workers) {
    throw new TerrariumError(
      'jobRunner.workers',
      options.jobRunner.workers,
      `config.workers (${config.workers})`,
    );
  }
  const learner = await makeMetaLearner(config);
  // State carried between iterations: all of it goes into a checkpoint. Nothing is written before run().
  const start = await startState(config, runDir, learner, options.resume ?? false);
  let state = start.state;
  const { resumed, metricsPlan, notes: resumeNotes } = start;

  /** The only place the run directory changes before training: after every check above has passed. */
  async function prepareRunDir(): Promise<void> {
    if (!options.resume && options.force) await clearRunDir(runDir);
    await mkdir(runDir, { recursive: true });
    await writeDurable(metricsPath, metricsPlan?.text ?? '');
    await writeRunConfig(runDir, config);
  }

  const metrics$ = new Subject<MetricsEvent>();
  const adaptation$ = new Subject<AdaptationEvent>();
  const notices$ = new Subject<string>();
  const jobs$ = new Subject<JobProgress>();
  const jobDone = jobCounter(config, jobs$);
  const info = {
    runId,
    env: config.env,
    algo: config.algo,
    backend: learner.backend,
    startedAt: new Date().toISOString(),
  };

  const live = await trainerDisplay(config, runId, learner, () => ({
    params: state.params,
    obsNorm: state.obsNorm,
  }));
  const workers$ = options.queue ? new BehaviorSubject<WorkersEvent | null>(null) : null;
  const streams: TrainingStreams = {
    info,
    metrics$,
    adaptation$,
    scenes$: live.scenes$,
    frames$: live.frames$,
    ...(workers$ ? { workers$: workers$.pipe(filter((w): w is WorkersEvent => w !== null)) } : {}),
  };

  let runner: JobRunner | null = null;
  // stop(): the loop ends, worker jobs are dropped at once, an in-thread job after its running update (see runJobs).
  const stop = new AbortController();
  const stopRequested = () => stop.signal.aborted;
  const stopEvent = new Promise<'stop'>((resolve) => {
    stop.signal.addEventListener('abort', () => resolve('stop'), { once: true });
  });

  async function run(): Promise<TrainSummary> {
    await prepareRunDir();
    let crashes = 0;
    runner = options.queue
      ? await startQueue(options.queue)
      : (options.jobRunner ??
        createJobRunner({
          workers: config.workers,
          onWorkerCrash: ({ iteration, taskIndex, attempt, error }) => {
            crashes++;
            notices$.next(
              `worker died during iteration ${iteration + 1}, task ${taskIndex} (${error.message}); ` +
                `retrying (attempt ${attempt + 2})`,
            );
          },
        }));
    const last = Math.min(config.iterations, options.stopAfter ?? config.iterations);
    let lastMetrics: MetricsLine | null = null;
    let savedAt = resumed ? state.iteration : -1;
    const save = async () => {
      if (savedAt === state.iteration) return null;
      const name = await saveCheckpoint(runDir, state, config.keepCheckpoints);
      savedAt = state.iteration;
      notices$.next(`checkpoint ${name}`);
      return name;
    };
    try {
      const budget = config.envStepBudget ?? Number.POSITIVE_INFINITY;
      while (state.iteration < last && state.envSteps < budget && !stopRequested()) {
        const started = performance.now();
        const iteration = state.iteration;
        crashes = 0;
        // 1. Schedule and tasks.
        const eps = linearEps(config.outer.eps0, config.outer.eps1, iteration, config.iterations);
        const taskRng = Rng.fromState(state.rng.tasks);
        const level = state.curriculumLevel;
        const tasks = learner.sampleTasks(config.metaBatchSize, taskRng.seed(), level);
        // 2 and 3. Adapt to each task (a self-contained job each), then the meta step.
        const step =
          config.algo === 'pretrain'
            ? await pretrainStep({ config, learner, state, runJobs }, tasks, iteration)
            : await metaStep(tasks, iteration, eps);
        if (step === 'stop') break;
        const { params, obsNorm, adam, stepScales, results, taskReturns } = step;
        const learnerState = 'learnerState' in step ? step.learnerState : undefined;
        // 4. Log, publish, checkpoint.
        const envSteps = results.reduce((sum, r) => sum + r.stats.envSteps, 0);
        const wallSeconds = (performance.now() - started) / 1000;
        lastMetrics = {
          iteration,
          returnBefore: mean(taskReturns.map((r) => r[0]!)),
          returnAfter: mean(taskReturns.map((r) => r[r.length - 1]!)),
          taskReturns,
          eps,
          envSteps,
          totalEnvSteps: state.envSteps + envSteps,
          wallSeconds,
          totalWallSeconds: state.wallSeconds + wallSeconds,
          backend: learner.backend,
          workers: config.workers,
          workerCrashes: crashes,
          ...(stepScales ? stepScaleMetrics(stepScales, params.length) : {}),
          ...(level !== undefined ? { curriculumLevel: level } : {}),
        };
        await appendFile(metricsPath, `${JSON.stringify(lastMetrics)}\n`);
        state = {
          ...state,
          iteration: iteration + 1,
          params,
          obsNorm,
          adam,
          stepScales,
          ...(learnerState !== undefined ? { learnerState } : {}),
          rng: { tasks: taskRng.getState() },
          ...(level !== undefined && learner.curriculum
            ? {
                curriculumLevel: nextLevel(
                  learner.curriculum,
                  level,
                  lastMetrics[learner.curriculum.measure],
                ),
              }
            : {}),
          metricsLines: state.metricsLines + 1,
          envSteps: lastMetrics.totalEnvSteps,
          wallSeconds: lastMetrics.totalWallSeconds,
        };
        live.recordBatch(tasks, results, taskReturns[0]!.length - 1);
        publish(iteration, tasks, lastMetrics);
        if (state.iteration % config.checkpointEvery === 0) await save();
      }
      const checkpoint = await save();
      return {
        runDir,
        iterations: state.iteration,
        stopped: state.iteration < config.iterations && state.envSteps < budget,
        lastMetrics,
        checkpoint: checkpoint ?? null,
      };
    } finally {
      if (options.queue || !options.jobRunner) await runner.close();
      runner = null;
    }
  }

  let queueStatus: (() => QueueStatus | null) | null = null;
  async function startQueue(queue: NonNullable<TrainerOptions['queue']>): Promise<JobRunner> {
    const { createQueueRunner } = await import('./queue/queue-runner.js');
    const { queueName } = await import('./queue/connection.js');
    const runner = await createQueueRunner({
      ...queue,
      name: queueName(runId, runDir),
      onNotice: (notice) => notices$.next(notice),
      onStatus: (status) => workers$?.next({ runId, ...status }),
    });
    queueStatus = runner.status;
    return runner;
  }

  /** Reptile / FOMAML: adapt theta to every task, then the meta step (outer-step.ts). */
  async function metaStep(tasks: unknown[], iteration: number, eps: number) {
    const multipliers = innerMultipliers(state);
    const jobs = tasks.map((task, taskIndex) =>
      learner.job({
        iteration,
        taskIndex,
        params: state.params,
        obsNorm: state.obsNorm,
        task,
        seed: deriveSeed(config.seed, iteration, taskIndex),
        keepPath: config.algo === 'fomaml' || multipliers !== null,
        measureFinal: isSineConfig(config) || config.inner.measureFinal,
        stepScales: multipliers,
        finalGradient: multipliers !== null && config.algo !== 'fomaml',
        explorationGradient: !isSineConfig(config) && config.explorationTerm > 0,
      }),
    );
    const results = await runJobs(jobs);
    if (results === 'stop') return 'stop';
    const next = outerStep(config, state, multipliers, results, eps, learner);
    return { ...next, results, taskReturns: results.map((r) => r.stats.returns) };
  }

  /**
   * Runs the jobs (in parallel on workers, one by one in this thread); 'stop' if stop() came first: worker jobs are
   * dropped at once, an in-thread job is abandoned after its running update.
   */
  async function runJobs(jobs: AdaptJob[]): Promise<AdaptResult[] | 'stop'> {
    if (!runner) throw new Error('runJobs: no job runner (run() not started)');
    const { workers } = runner;
    const run = runner.run;
    if (workers > 0) {
      const all = Promise.all(jobs.map((job) => run(job).then((result) => jobDone(job, result))));
      all.catch(() => {});
      return Promise.race([all, stopEvent]);
    }
    const results: AdaptResult[] = [];
    for (const job of jobs) {
      if (stopRequested()) return 'stop' as const;
      try {
        results.push(jobDone(job, await run(job, stop.signal)));
      } catch (error) {
        if (stopRequested()) return 'stop' as const;
        throw error;
      }
    }
    return results;
  }

  function publish(iteration: number, tasks: unknown[], line: MetricsLine) {
    line.taskReturns.forEach((returns, taskIndex) => {
      returns.forEach((value, k) => {
        adaptation$.next({ runId, iteration, taskIndex, task: tasks[taskIndex], k, return: value });
      });
    });
    metrics$.next({
      runId,
      iteration,
      returnBefore: line.returnBefore,
      returnAfter: line.returnAfter,
      eps: line.eps,
      envSteps: line.totalEnvSteps,
      wallSeconds: line.totalWallSeconds,
    });
  }

  return {
    runDir,
    streams,
    notices$,
    jobs$,
    config,
    startIteration: state.iteration,
    startTotals: { envSteps: state.envSteps, wallSeconds: state.wallSeconds },
    resumeNotes,
    run: async () => {
      try {
        return await run();
      } finally {
        metrics$.complete();
        adaptation$.complete();
        notices$.complete();
        jobs$.complete();
        workers$?.complete();
        learner.dispose();
      }
    },
    stop: () => stop.abort(),
    queueStatus: () => queueStatus?.() ?? null,
    watchTask: (taskIndex) => {
      if (!Number.isInteger(taskIndex) || taskIndex < 0 || taskIndex >= config.metaBatchSize) {
        throw new TerrariumError('taskIndex', taskIndex, `an integer in [0, ${config.metaBatchSize - 1}]`);
      }
      live.watch(taskIndex);
    },
    control: (message) => {
      if (message.type === 'select' && message.taskIndex !== undefined) {
        // Thrown back to the page that asked (the server forwards it), before the shared state changes.
        if (message.taskIndex >= config.metaBatchSize) {
          throw new TerrariumError(
            'select.taskIndex',
            message.taskIndex,
            `an index below ${config.metaBatchSize} (the meta-batch size)`,
          );
        }
        live.watch(message.taskIndex);
      } else if (message.type === 'pause') live.paused$.next(true);
      else if (message.type === 'resume') live.paused$.next(false);
      else if (message.type === 'speed' && message.value > 0) live.speed$.next(message.value);
    },
  };
}
