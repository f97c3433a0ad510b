/**
 * `terrarium eval --run DIR` without the command line: pick the methods, evaluate them on held-out tasks, write
 * DIR/eval/results.json (everything, raw returns included), DIR/eval/results.md (the table) and, with `plot`,
 * DIR/eval/adaptation.svg and DIR/eval/training.svg (and a PNG of each). The harder split's go to DIR/eval-harder/,
 * so the two are reported apart.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { type BackendName, initBackend } from '../../agents/backend.js';
import type { LearnerConfigInput } from '../../agents/learner.js';
import { TerrariumError } from '../../core/errors.js';
import { envEntry } from '../../envs/registry.js';
import type { LoadedRun } from '../checkpoint.js';
import type { RlTrainConfig } from '../config.js';
import type { MetricsLine } from '../trainer.js';
import { contextMeasureLabel } from './context-measure.js';
import { type EvalReport, type EvalSplit, evaluate, heldOutLabel, publicReport } from './evaluate.js';
import {
  type EvalMethod,
  loadBaseline,
  metaMethod,
  missingBaseline,
  randomMethod,
  savedMethod,
} from './methods.js';
import { writePlot } from './plot-files.js';
import { adaptationPlot, trainingPlot } from './plots.js';
import { resultsMarkdown } from './task-groups.js';

/** Where an eval of `split` writes by default: RUN/eval, or RUN/eval-harder for the harder split. */
export function evalDir(runDir: string, split: EvalSplit = 'test'): string {
  return join(runDir, split === 'test' ? 'eval' : `eval-${split}`);
}

export interface RunEvalOptions {
  runDir: string;
  run: LoadedRun;
  config: RlTrainConfig;
  /** Baselines to run besides the meta-init; undefined: random, plus pretrained / oracle where trained. */
  baselines?: string[];
  tasks: number;
  /** The held-out split: "test" (default) or "harder". */
  split?: EvalSplit;
  k: number;
  seeds: number;
  plot: boolean;
  /**
   * The baselines' inner step sizes: "scalar" (default), the learner's alpha; "meta", the meta-run's learned Meta-SGD
   * multipliers too (the ablation that tells the init's share from the step sizes' share).
   */
  baselineSteps?: 'scalar' | 'meta';
  /**
   * The baselines' inner learner: "run" (default), the run's `inner.learner`, as the meta-init; "weights", a context
   * run's weight learner (`inner.weights.learner`): the baselines fine-tune their weights, k updates on the same
   * episodes a batch, as domain randomization and the oracle would be adapted on their own.
   */
  baselineLearner?: BaselineLearner;
  /**
   * The meta-init's inner learner: "run" (default), the run's `inner.learner` for every update; "inner-loop", a context
   * run's whole inner loop, as meta-training adapted it: `inner.steps` context steps, then weight updates with
   * `inner.weights.learner` for the rest of the k.
   */
  metaLearner?: MetaLearnerChoice;
  /** Where results and plots go (default evalDir(RUN, split)). */
  outDir?: string;
  /** Worker threads for the adaptations (default 1: this thread); the numbers are the same for any count. */
  workers?: number;
  onProgress?: (done: number, total: number, method: string) => void;
}

export const BASELINE_LEARNERS = ['run', 'weights'] as const;
export type BaselineLearner = (typeof BASELINE_LEARNERS)[number];

export const META_LEARNERS = ['run', 'inner-loop'] as const;
export type MetaLearnerChoice = (typeof META_LEARNERS)[number];

/** A context run's weight learner (`inner.weights.learner`), which `flag` set to `choice` needs; `why` says why. */
function weightLearnerFor(
  config: RlTrainConfig,
  flag: string,
  choice: string,
  why: string,
): LearnerConfigInput {
  if (!config.inner.weights) {
    throw new TerrariumError(flag, choice, `run for a run without inner.weights (${why})`);
  }
  return config.inner.weights.learner as LearnerConfigInput;
}

/** The meta-init's weight phase under --meta-learner inner-loop (undefined: the run's inner learner alone). */
export function metaWeightPhase(config: RlTrainConfig, choice: MetaLearnerChoice = 'run') {
  if (choice === 'run') return undefined;
  const why = 'only a context run has a weight phase in its inner loop';
  return {
    contextSteps: config.inner.steps,
    learner: weightLearnerFor(config, '--meta-learner', choice, why),
  };
}

/** The learner config the baselines adapt with where it is not the run's own (undefined: the run's). */
export function baselineLearnerConfig(config: RlTrainConfig, choice: BaselineLearner = 'run') {
  if (choice === 'run') return undefined;
  const why = 'only a context run has a weight learner apart from its inner learner';
  return weightLearnerFor(config, '--baseline-learner', choice, why);
}

export interface RunEvalResult {
  report: EvalReport;
  public: ReturnType<typeof publicReport>;
  table: string;
  files: string[];
}

export async function chooseMethods(options: RunEvalOptions): Promise<EvalMethod[]> {
  const { runDir, config } = options;
  const requested = options.baselines;
  await initBackend(config.backend as BackendName);
  const weightPhase = metaWeightPhase(config, options.metaLearner);
  const meta = { ...metaMethod(options.run), ...(weightPhase ? { weightPhase } : {}) };
  if (options.baselineSteps === 'meta' && !meta.stepScales) {
    throw new TerrariumError(
      '--baseline-steps',
      'meta',
      'a run with metaSgd (this run learned no step sizes)',
    );
  }
  const learner = baselineLearnerConfig(config, options.baselineLearner);
  const shared = {
    ...(options.baselineSteps === 'meta' ? { stepScales: meta.stepScales } : {}),
    ...(learner ? { learner } : {}),
  };
  const methods: EvalMethod[] = [meta];
  for (const name of requested ?? ['random', 'pretrained', 'oracle']) {
    if (name === 'random') {
      methods.push({ ...randomMethod(config), ...shared });
      continue;
    }
    const trained = name as 'pretrained' | 'oracle';
    const baseline = await loadBaseline(runDir, trained);
    if (baseline) methods.push({ ...savedMethod(trained, baseline, runDir, config), ...shared });
    else if (requested) throw missingBaseline(runDir, trained);
  }
  return methods;
}

export async function runEval(options: RunEvalOptions): Promise<RunEvalResult> {
  const started = performance.now();
  const methods = await chooseMethods(options);
  const report = await evaluate({
    config: options.config,
    methods,
    tasks: options.tasks,
    split: options.split,
    k: options.k,
    seeds: options.seeds,
    workers: options.workers,
    onProgress: options.onProgress,
  });
  const learner = baselineLearnerConfig(options.config, options.baselineLearner);
  const weightPhase = metaWeightPhase(options.config, options.metaLearner);
  const dir = options.outDir ?? evalDir(options.runDir, options.split);
  await mkdir(dir, { recursive: true });
  const distribution = envEntry(options.config.env).distribution(options.config.tasks, options.config.robot);
  const { markdown: table, groups } = resultsMarkdown(report, (task) => distribution.groupsOf(task));
  const withGroups = Object.keys(groups).length > 0 ? { groups } : {};
  const files = [join(dir, 'results.json'), join(dir, 'results.md')];
  await writeFileAtomic(
    files[0]!,
    `${JSON.stringify(
      {
        ...report,
        ...withGroups,
        run: {
          dir: options.runDir,
          iteration: options.run.iteration,
          envSteps: options.run.checkpoint.envSteps,
        },
        episodesPerUpdate: options.config.inner.episodesPerUpdate,
        innerLearner: options.config.inner.learner,
        ...(learner ? { baselineLearner: learner } : {}),
        ...(weightPhase ? { metaLearner: 'inner-loop' } : {}),
        wallSeconds: (performance.now() - started) / 1000,
      },
      null,
      2,
    )}\n`,
  );
  await writeFile(
    files[1]!,
    `${report.env}${report.reward ? ` (reward ${report.reward})` : ''}, ${heldOutLabel(report)} x ` +
      `${report.seeds} seeds, ${options.config.inner.episodesPerUpdate} ` +
      `episodes a batch${contextMeasureLabel(options.config)}` +
      `${learner ? `; the baselines adapted with the run's weight learner (${learner.algo} updates)` : ''}` +
      `${weightPhase ? `; the meta-init adapted with the run's inner loop (${weightPhase.contextSteps} context step(s), then ${weightPhase.learner.algo} weight updates)` : ''}` +
      `; mean return [95 % CI]; ${report.ci}.\n\n${table}\n`,
  );
  if (options.plot) {
    files.push(...(await writePlot(join(dir, 'adaptation'), adaptationPlot(report))));
    const metrics = await readMetrics(options.runDir);
    if (metrics.length > 0)
      files.push(...(await writePlot(join(dir, 'training'), trainingPlot(report.env, metrics))));
  }
  return { report, public: { ...publicReport(report), ...withGroups }, table, files };
}

/** The lines of RUN/metrics.jsonl (none if the file is missing). */
export async function readMetrics(runDir: string): Promise<MetricsLine[]> {
  let text = '';
  try {
    text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MetricsLine);
}
