import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type ReturnGapStep, returnGapStepSchema } from '../agents/return-gap-step.js';
import { parseWith, TerrariumError } from '../core/errors.js';
import { type LoadedRun, loadLatestCheckpoint } from '../meta/checkpoint.js';
import { isSineConfig, type RlTrainConfig } from '../meta/config.js';
import {
  type ContextMeasure,
  parseContextMeasure,
  withContextMeasure,
} from '../meta/eval/context-measure.js';
import { checkContextRun, DEFAULT_FOLDS, runContextRegression } from '../meta/eval/context-regression.js';
import { EVAL_SPLITS, type EvalSplit, heldOutLabel } from '../meta/eval/evaluate.js';
import {
  BASELINE_LEARNERS,
  type BaselineLearner,
  evalDir,
  META_LEARNERS,
  type MetaLearnerChoice,
  runEval,
} from '../meta/eval/run-eval.js';
import { evaluateSineRun } from '../meta/eval/sine-eval.js';
import { intOption, pathOption } from './options.js';
import { checkRunRobotFlag, RUN_ROBOT_HELP } from './robot-option.js';

interface EvalCliOptions {
  run: string;
  baselines?: string;
  tasks: number;
  split: EvalSplit;
  k?: number;
  seeds: number;
  episodes?: number;
  returnGap?: ReturnGapStep | 'off';
  contextMeasure?: ContextMeasure;
  json?: boolean;
  plot?: boolean;
  out?: string;
  baselineSteps: 'scalar' | 'meta';
  baselineLearner: BaselineLearner;
  metaLearner: MetaLearnerChoice;
  robot?: string;
  contextRegression?: boolean;
  folds?: number;
  workers?: number;
}

/** --workers, or the run's own worker count (at least this thread). */
function evalWorkers(options: EvalCliOptions, run: LoadedRun): number {
  return options.workers ?? Math.max(1, run.config.workers);
}

/** Progress on stderr (stdout stays clean for --json): a cli-progress bar on a TTY, else a line every 5 %. */
export function progressReporter(label: string) {
  let bar: cliProgress.SingleBar | null = null;
  let lastPercent = -1;
  return {
    update(done: number, total: number, what: string) {
      if (process.stderr.isTTY) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              format: `${label} [{bar}] {value}/{total} jobs | {what} | ETA {eta_formatted}`,
              hideCursor: true,
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, { what });
        }
        bar.update(done, { what });
        return;
      }
      const percent = Math.floor((100 * done) / total / 5) * 5;
      if (percent !== lastPercent || done === total) {
        lastPercent = percent;
        process.stderr.write(`${label}: ${done}/${total} jobs (${what})\n`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'adapt the meta-init and baselines on held-out tasks; returns after 0..K updates with 95 % CIs',
    )
    .requiredOption('--run <dir>', 'run directory of `terrarium train`', pathOption('--run'))
    .option(
      '--baselines <list>',
      'comma-separated: random, pretrained, oracle (default: random, and pretrained / oracle where trained)',
    )
    .option('--tasks <n>', 'held-out tasks from the split', intOption('--tasks', 1), 40)
    .option(
      '--split <name>',
      "held-out tasks: test, or harder (the tasks' harder ranges; results in RUN/eval-harder/)",
      parseSplit,
      'test',
    )
    .option(
      '--k <n>',
      'inner updates; returns recorded for k = 0..K (default 3; sine: its evaluation.steps)',
      intOption('--k', 0),
    )
    .option('--seeds <n>', 'evaluation seeds per task', intOption('--seeds', 1), 3)
    .option(
      '--episodes <n>',
      "episodes in each inner batch, for every method (default: the run's inner.episodesPerUpdate; RL runs)",
      intOption('--episodes', 1),
    )
    .option(
      '--return-gap <best,gap|off>',
      "every method's VPG steps scaled by the batch's gap to BEST (returnGapStep, typicalGap GAP), or off (RL runs)",
      parseReturnGap,
    )
    .option(
      '--context-measure <search|mean>',
      'context runs: the return after k updates of the adapted context c_k itself (mean, the default) or of the search distribution N(c_k, sigma^2) around it (search: evals before 2026-12-07)',
      parseContextMeasure,
    )
    .option(
      '--json',
      'print { env, tasks, seeds, k, methods: { name: { mean, ci95, norm } } }, and groups where the tasks have them (crippled legs, harder parameters)',
    )
    .option(
      '--plot',
      'also write plots as SVG and PNG (adaptation curve, meta-training curve) into RUN/eval/',
    )
    .option('--out <dir>', 'write results and plots here instead of RUN/eval/ (RL runs)', pathOption('--out'))
    .option(
      '--baseline-steps <steps>',
      "inner step sizes of the baselines: scalar (the learner's alpha) or meta (a Meta-SGD run's learned ones)",
      parseBaselineSteps,
      'scalar',
    )
    .option(
      '--baseline-learner <learner>',
      "how the baselines adapt: run (the run's inner learner, as the meta-init) or weights (a context run's weight learner: the baselines fine-tune their weights)",
      parseBaselineLearner,
      'run',
    )
    .option(
      '--meta-learner <learner>',
      "how the meta-init adapts: run (the run's inner learner for every update) or inner-loop (a context run's whole inner loop, as meta-training adapted it: inner.steps context steps, then weight updates)",
      parseMetaLearner,
      'run',
    )
    .option('--robot <file>', RUN_ROBOT_HELP, pathOption('--robot'))
    .option(
      '--workers <n>',
      "worker threads, each adapting whole tasks (default: the run's workers); the numbers are the same for any count (RL runs)",
      intOption('--workers', 1),
    )
    .option(
      '--context-regression',
      "context runs: regress each true task parameter on the adapted context (R^2 per parameter, plot) instead; --k is the context updates (default the run's inner.steps)",
    )
    .option(
      '--folds <n>',
      `cross-validation folds of --context-regression (default ${DEFAULT_FOLDS})`,
      intOption('--folds', 2),
    )
    .action(async (options: EvalCliOptions) => {
      const run = await loadLatestCheckpoint(options.run);
      checkRunRobotFlag(options.robot, run.config, options.run);
      if (options.folds !== undefined && !options.contextRegression) {
        throw new TerrariumError('--folds', options.folds, 'unset without --context-regression');
      }
      if (options.contextRegression) {
        await contextRegressionAction(options, run);
        return;
      }
      if (isSineConfig(run.config)) {
        if (options.split !== 'test')
          throw new TerrariumError('--split', options.split, 'test for a sine run (it has no harder split)');
        const result = await evaluateSineRun(options.run, run, {
          k: options.k,
          tasks: options.tasks,
          seeds: options.seeds,
          plot: options.plot,
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result.public)}\n`
            : `${result.text}\nwrote ${evalDir(options.run)}\n`,
        );
        return;
      }
      const progress = progressReporter('eval');
      try {
        const result = await runEval({
          runDir: options.run,
          run,
          config: withContextMeasure(
            withReturnGap(withEpisodes(run.config as RlTrainConfig, options.episodes), options.returnGap),
            options.contextMeasure,
          ),
          baselines: parseBaselines(options.baselines),
          tasks: options.tasks,
          split: options.split,
          k: options.k ?? 3,
          seeds: options.seeds,
          plot: options.plot === true,
          outDir: options.out,
          baselineSteps: options.baselineSteps,
          baselineLearner: options.baselineLearner,
          metaLearner: options.metaLearner,
          workers: evalWorkers(options, run),
          onProgress: (done, total, method) => progress.update(done, total, method),
        });
        progress.stop();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result.public)}\n`);
        } else {
          process.stdout.write(
            `${result.report.env}: ${heldOutLabel(result.report)} x ${result.report.seeds} seeds, ` +
              `k = 0..${result.report.k} (${result.report.ci})\n\n${result.table}\n\n` +
              `wrote ${result.files.join(', ')}\n`,
          );
        }
      } finally {
        progress.stop();
      }
    });
}

async function contextRegressionAction(options: EvalCliOptions, run: LoadedRun): Promise<void> {
  if (isSineConfig(run.config)) {
    throw new TerrariumError('--context-regression', options.run, 'a context run (this one is the sine toy)');
  }
  checkContextRun(run.config, options.run);
  const progress = progressReporter('context regression');
  try {
    const { report, table, files } = await runContextRegression({
      runDir: options.run,
      run,
      config: withEpisodes(run.config, options.episodes),
      tasks: options.tasks,
      split: options.split,
      seeds: options.seeds,
      k: options.k,
      folds: options.folds,
      workers: evalWorkers(options, run),
      outDir: options.out,
      onProgress: (done, total, what) => progress.update(done, total, what),
    });
    progress.stop();
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ env: report.env, split: report.split, tasks: report.tasks, seeds: report.seeds, k: report.k, fits: report.fits })}\n`
        : `${report.env}: context (${report.contextDim} numbers, k = ${report.k}) against the true task parameters, ` +
            `${report.tasks} held-out tasks x ${report.seeds} seeds, ${report.folds}-fold ridge\n\n${table}\n\n` +
            `wrote ${files.join(', ')}\n`,
    );
  } finally {
    progress.stop();
  }
}

/** The run's config with `--episodes` in each inner batch (the measuring batches too). */
function withEpisodes(config: RlTrainConfig, episodes: number | undefined): RlTrainConfig {
  if (episodes === undefined) return config;
  return { ...config, inner: { ...config.inner, episodesPerUpdate: episodes } };
}

/** `--baselines random,pretrained,oracle`; undefined means "random, plus those trained for this run". */
export function parseBaselines(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!['random', 'pretrained', 'oracle'].includes(name)) {
      throw new TerrariumError('--baselines', name, 'a comma-separated list of random, pretrained, oracle');
    }
  }
  return [...new Set(names)];
}

/** `--return-gap`: "off" or "BEST,GAP". */
function parseReturnGap(value: string): ReturnGapStep | 'off' {
  if (value === 'off') return value;
  const [best, gap, ...rest] = value.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x)));
  if (best === undefined || gap === undefined || rest.length > 0) {
    throw new TerrariumError('--return-gap', value, 'off or BEST,GAP (two numbers)');
  }
  return parseWith(returnGapStepSchema, { bestReturn: best, typicalGap: gap }, '--return-gap');
}

/** The run's config with every method's VPG steps scaled by `--return-gap` (or its scaling removed). */
function withReturnGap(config: RlTrainConfig, returnGap: ReturnGapStep | 'off' | undefined): RlTrainConfig {
  if (returnGap === undefined) return config;
  const { learner } = config.inner;
  if (learner.algo !== 'vpg')
    throw new TerrariumError('--return-gap', 'set', `a vpg run (this one: ${learner.algo})`);
  return {
    ...config,
    inner: {
      ...config.inner,
      learner: { ...learner, returnGapStep: returnGap === 'off' ? null : returnGap },
    },
  };
}

function parseSplit(value: string): EvalSplit {
  if ((EVAL_SPLITS as readonly string[]).includes(value)) return value as EvalSplit;
  throw new TerrariumError('--split', value, EVAL_SPLITS.join(' or '));
}

function parseBaselineSteps(value: string): 'scalar' | 'meta' {
  if (value === 'scalar' || value === 'meta') return value;
  throw new TerrariumError('--baseline-steps', value, 'scalar or meta');
}

function parseBaselineLearner(value: string): BaselineLearner {
  if ((BASELINE_LEARNERS as readonly string[]).includes(value)) return value as BaselineLearner;
  throw new TerrariumError('--baseline-learner', value, BASELINE_LEARNERS.join(' or '));
}

function parseMetaLearner(value: string): MetaLearnerChoice {
  if ((META_LEARNERS as readonly string[]).includes(value)) return value as MetaLearnerChoice;
  throw new TerrariumError('--meta-learner', value, META_LEARNERS.join(' or '));
}
