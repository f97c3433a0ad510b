/**
 * The library's `train` and `evaluate`: what `terrarium train` and `terrarium eval --json` do, by plain arguments,
 * with no files beyond the run directory's own (evaluate writes none).
 */
import type { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { type LoadedRun, loadLatestCheckpoint } from './checkpoint.js';
import {
  isSineConfig,
  parseTrainConfig,
  type RlTrainConfig,
  type rlTrainConfigSchema,
  type sineTrainConfigSchema,
} from './config.js';
import { type ContextMeasure, withContextMeasure } from './eval/context-measure.js';
import { evaluate as evaluateMethods, publicReport } from './eval/evaluate.js';
import { chooseMethods } from './eval/run-eval.js';
import type { MetricsEvent } from './events.js';
import { createTrainer, type TrainSummary } from './trainer.js';

/** A train config as written in JSON (configs/*.json); missing fields take their defaults. */
export type TrainConfigInput = z.input<typeof rlTrainConfigSchema> | z.input<typeof sineTrainConfigSchema>;

export interface TrainOptions {
  /** The run directory (config.json, metrics.jsonl, checkpoints/). */
  outDir: string;
  /** Continue the run in `outDir` from its newest checkpoint. */
  resume?: boolean;
  /** Start over in a non-empty `outDir`, deleting its earlier run. */
  force?: boolean;
  /** Stop after this many meta-iterations (a checkpoint is saved). */
  stopAfter?: number;
  /** Called after every meta-iteration. */
  onIteration?: (metrics: MetricsEvent) => void;
}

/** Meta-trains `config` (validated; a bad field throws a TerrariumError naming it) into `options.outDir`. */
export async function train(config: TrainConfigInput, options: TrainOptions): Promise<TrainSummary> {
  const trainer = await createTrainer({
    config: parseTrainConfig(config),
    outDir: options.outDir,
    resume: options.resume,
    force: options.force,
    stopAfter: options.stopAfter,
  });
  const subscription = options.onIteration ? trainer.streams.metrics$.subscribe(options.onIteration) : null;
  try {
    return await trainer.run();
  } finally {
    subscription?.unsubscribe();
  }
}

export interface EvaluateOptions {
  /** Inner updates K: returns are reported after 0..K updates (default 3). */
  k?: number;
  /** Held-out tasks, the first N of the test split (default 40). */
  tasks?: number;
  /** Evaluation seeds per task (default 3). */
  seeds?: number;
  /** Baselines besides the meta-init: random, pretrained, oracle (default: random, and those the run trained). */
  baselines?: ('random' | 'pretrained' | 'oracle')[];
  /** Context runs: measure each k at the adapted context (mean, default) or its search distribution (search). */
  contextMeasure?: ContextMeasure;
  /** Worker threads, each adapting whole tasks (default 1); the numbers are the same for any count. */
  workers?: number;
  onProgress?: (done: number, total: number, method: string) => void;
}

export type EvaluateResult = ReturnType<typeof publicReport>;

/** Adapts a run's meta-init (and baselines) on held-out tasks: mean return after 0..K updates, with 95 % CIs. */
export async function evaluate(runDir: string, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const run: LoadedRun = await loadLatestCheckpoint(runDir);
  if (isSineConfig(run.config)) {
    throw new TerrariumError(
      'runDir',
      runDir,
      'a run of a simulated env (`terrarium eval` evaluates sine runs)',
    );
  }
  const config = withContextMeasure(run.config as RlTrainConfig, options.contextMeasure);
  const shape = { tasks: options.tasks ?? 40, k: options.k ?? 3, seeds: options.seeds ?? 3 };
  const methods = await chooseMethods({
    runDir,
    run,
    config,
    baselines: options.baselines,
    plot: false,
    ...shape,
  });
  const report = await evaluateMethods({
    config,
    methods,
    onProgress: options.onProgress,
    workers: options.workers,
    ...shape,
  });
  return publicReport(report);
}
