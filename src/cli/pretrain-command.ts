import { cpSync, existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { initBackend } from '../agents/backend.js';
import { TerrariumError } from '../core/errors.js';
import { checkSameRobot } from '../envs/robot-file.js';
import { trainingTaskOptions } from '../envs/task.js';
import { loadLatestCheckpoint } from '../meta/checkpoint.js';
import { isSineConfig, parseTrainConfig, type RlTrainConfig, type TrainConfig } from '../meta/config.js';
import { baselineDir } from '../meta/eval/methods.js';
import { needsContextInputs, widenBaseline } from '../meta/eval/widen-baseline.js';
import { intOption, numberOption, pathOption } from './options.js';
import { QUEUE_CA_HELP, QUEUE_HELP, QUEUE_TIMEOUT_HELP } from './queue-help.js';
import { checkRunRobotFlag, RUN_ROBOT_HELP, runRobot } from './robot-option.js';
import { readConfigFile, runTrainer, type TrainOptions } from './train-command.js';

interface PretrainCliOptions extends TrainOptions {
  run: string;
  oracle?: boolean;
  envSteps?: number;
  from?: string;
}

/**
 * `terrarium pretrain --run RUN`: eval's trained baselines are `algo: "pretrain"` runs (the trainer's multi-task
 * baseline) inside the meta-run's directory. The config is the meta-run's own (or --config FILE, e.g. an oracle
 * with another learner) with algo "pretrain", the oracle's observeTask, and the meta-run's env-step budget (the
 * env steps it actually used, whatever the file's envStepBudget; --env-steps overrides it) and seed. A context
 * run's baseline is trained without context inputs (with the run's weight learner unless --config says otherwise)
 * into RUN/pretrained-no-context and then widened into RUN/pretrained.
 */
export async function pretrainConfig(options: PretrainCliOptions): Promise<TrainConfig> {
  return (await pretrainPlan(options)).config;
}

/** The baseline's config and the meta-run's own (from one read of the run's latest checkpoint). */
async function pretrainPlan(
  options: PretrainCliOptions,
): Promise<{ config: TrainConfig; runConfig: TrainConfig }> {
  const run = await loadLatestCheckpoint(options.run);
  checkRunRobotFlag(options.robot, run.config, options.run);
  const base = options.config ? await readConfigFile(options.config) : withoutContextLearner(run.config);
  if (isSineConfig(base)) {
    // No env steps to match: the same number of iterations (k pooled SGD steps each, the meta-run's k per task).
    if (options.oracle) throw new TerrariumError('--oracle', true, 'an RL run (the sine toy has no oracle)');
    return {
      config: parseTrainConfig({ ...base, algo: 'pretrain', iterations: run.iteration }),
      runConfig: run.config,
    };
  }
  if (base.env !== run.config.env) {
    throw new TerrariumError('--config: env', base.env, `the run's env "${run.config.env}"`);
  }
  const runConfig = run.config as RlTrainConfig;
  // The baseline learns on the run's robot: a --config file may leave it out, not name another.
  if (base.robot && JSON.stringify(base.robot) !== JSON.stringify(runConfig.robot)) {
    checkSameRobot(
      { spec: base.robot, source: `the robot of ${options.config}` },
      runRobot(runConfig, options.run)!,
      options.run,
      '--config: robot',
    );
  }
  const budget = options.envSteps ?? run.checkpoint.envSteps;
  const config = {
    ...base,
    algo: 'pretrain',
    // The baseline of a seed-s run is trained with seed s, whichever file its settings came from.
    seed: run.config.seed,
    envStepBudget: budget,
    // The budget ends the run; the iteration count is only a cap. A pretrain iteration uses k of the meta-run's
    // k + 1 batches per task, so it needs more iterations than the meta-run for the same budget.
    iterations: Math.max(base.iterations, run.iteration) * 4,
    robot: runConfig.robot,
    robotSha256: undefined,
    observeTask: options.oracle === true || (base as RlTrainConfig).observeTask === true,
    // A warm-started run's baseline starts from the same run; the oracle, whose inputs differ, from scratch.
    initFrom: options.oracle ? undefined : (base as RlTrainConfig).initFrom,
    // Baselines adapt with the learner's own scalar step size, whatever the meta-run learned for itself.
    metaSgd: undefined,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
  };
  return { config: parseTrainConfig(JSON.parse(JSON.stringify(config))), runConfig: run.config };
}

/**
 * A context run's own settings with its weight learner in place of the context learner (which adapts no weights):
 * the baseline trains without context inputs, with the learner and updates per task that the run's weights had.
 */
function withoutContextLearner(config: TrainConfig): TrainConfig {
  if (isSineConfig(config) || !config.inner.weights) return config;
  const { weights, ...inner } = config.inner;
  return {
    ...config,
    inner: { ...inner, steps: weights.updates, learner: weights.learner },
    policy: { ...config.policy, contextDim: 0 },
  };
}

/**
 * `--from DIR`: a baseline already trained (`terrarium train` of an algo "pretrain" config, e.g. an experiment's one
 * oracle shared by its seeds) becomes the run's baseline: copied into RUN/NAME, or for a context run copied into
 * RUN/NAME-no-context and widened into RUN/NAME, as if pretrain had trained it there.
 */
async function adoptBaseline(options: PretrainCliOptions, name: 'oracle' | 'pretrained'): Promise<void> {
  const from = options.from!;
  const [run, baseline] = [await loadLatestCheckpoint(options.run), await loadLatestCheckpoint(from)];
  if (isSineConfig(run.config) || isSineConfig(baseline.config)) {
    throw new TerrariumError('--from', from, 'a baseline of an RL run (the sine toy has none to adopt)');
  }
  const [runConfig, trained] = [run.config as RlTrainConfig, baseline.config as RlTrainConfig];
  if (trained.algo !== 'pretrain') {
    throw new TerrariumError(
      '--from: algo',
      trained.algo,
      '"pretrain" (a baseline trained by terrarium train)',
    );
  }
  if (trained.observeTask !== (name === 'oracle')) {
    throw new TerrariumError(
      '--from: observeTask',
      trained.observeTask,
      `${name === 'oracle'} for the ${name} baseline${name === 'oracle' ? '' : ' (an oracle needs --oracle)'}`,
    );
  }
  // The harder pool's options may differ: they leave the training tasks as they are.
  const compared = (config: RlTrainConfig, field: 'env' | 'tasks' | 'reward' | 'robot') =>
    JSON.stringify(field === 'tasks' ? trainingTaskOptions(config.tasks) : config[field]);
  for (const field of ['env', 'tasks', 'reward', 'robot'] as const) {
    if (compared(trained, field) !== compared(runConfig, field)) {
      throw new TerrariumError(
        `--from: ${field}`,
        trained[field] ?? null,
        `the run's ${field} (${options.run})`,
      );
    }
  }
  const widen = needsContextInputs(runConfig, trained);
  const copyDir = baselineDir(options.run, widen ? `${name}-no-context` : name);
  for (const dir of [copyDir, baselineDir(options.run, name)]) {
    if (existsSync(dir) && !options.force) {
      throw new TerrariumError('--from', from, `an empty ${dir} (there is a baseline; --force replaces it)`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  cpSync(from, copyDir, { recursive: true });
  if (widen) {
    await initBackend('cpu'); // widening copies weights; no learning, so the simplest backend
    await widenBaseline(copyDir, runConfig, baselineDir(options.run, name));
  }
  console.log(`${baselineDir(options.run, name)}: ${from}${widen ? " with the run's context inputs" : ''}`);
}

export function registerPretrainCommand(program: Command): void {
  program
    .command('pretrain')
    .description(
      "train eval's baselines for a run: the multi-task pretrained init (or --oracle) on the pooled training tasks",
    )
    .requiredOption(
      '--run <dir>',
      'run directory of `terrarium train` (its config, learner and env-step budget)',
      pathOption('--run'),
    )
    .option(
      '--config <file>',
      'train config to pretrain with (algo is set to "pretrain"); default: the run\'s own',
      pathOption('--config'),
    )
    .option('--oracle', 'train the oracle (observes the task parameters) instead; writes RUN/oracle/')
    .option('--env-steps <n>', "env-step budget (default: the run's)", intOption('--env-steps', 1))
    .option(
      '--from <dir>',
      'adopt a baseline already trained (a `terrarium train` run of an algo "pretrain" config with the run\'s env, ' +
        'tasks, reward and robot) instead of training one; widened for a context run',
      pathOption('--from'),
    )
    .option('--workers <n>', "worker threads (default: the config's)", intOption('--workers', 0))
    .option('--backend <name>', 'tfjs backend: auto, wasm, cpu, node, node-gpu')
    .option('--queue <url>', QUEUE_HELP)
    .option('--queue-ca <file>', QUEUE_CA_HELP, pathOption('--queue-ca'))
    .option('--queue-timeout <s>', QUEUE_TIMEOUT_HELP, numberOption('--queue-timeout', 1))
    .option('--resume', 'continue an interrupted baseline from its latest checkpoint')
    .option('--force', 'train the baseline again from scratch, deleting the earlier one')
    .option('--robot <file>', RUN_ROBOT_HELP, pathOption('--robot'))
    .option('--json', 'print metrics and the summary as JSON lines')
    .action(async (options: PretrainCliOptions) => {
      const name = options.oracle ? 'oracle' : 'pretrained';
      if (options.from) return adoptBaseline(options, name);
      const { config, runConfig } = await pretrainPlan(options);
      const widen = !isSineConfig(config) && needsContextInputs(runConfig as RlTrainConfig, config);
      // A context run's baseline trains without context inputs (kept, resumable) and gets them afterwards.
      const outDir = baselineDir(options.run, widen ? `${name}-no-context` : name);
      process.exitCode = await runTrainer(config, outDir, { ...options, view: false });
      if (widen && process.exitCode === 0) {
        const widenedDir = baselineDir(options.run, name);
        await widenBaseline(outDir, runConfig as RlTrainConfig, widenedDir);
        console.log(`${widenedDir}: ${outDir} with the run's context inputs`);
      }
    });
}
