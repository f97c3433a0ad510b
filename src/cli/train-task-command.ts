import { appendFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { BACKEND_NAMES, type BackendName, initBackend } from '../agents/backend.js';
import { createEpisodeCollector } from '../agents/episode-collector.js';
import { type LearnerConfigInput, learnerConfigSchema, makeLearner } from '../agents/learner.js';
import { GaussianPolicy, type PolicyConfigInput } from '../agents/policy.js';
import { parseWith, TerrariumError } from '../core/errors.js';
import { envEntry, makeVectorEnv } from '../envs/registry.js';
import { REWARD_PRESETS } from '../envs/reward-presets.js';
import { addTaskOptions, intOption, jsonOption, pathOption, rewardFlag } from './options.js';
import { robotFlag } from './robot-option.js';
import { resolveTask } from './rollout-command.js';
import { stopOnSignals } from './signals.js';
import { writeTrainTaskRun } from './train-task-run.js';

export interface TrainTaskOptions {
  env: string;
  task?: unknown;
  taskSeed?: number;
  algo: string;
  steps?: number;
  seed: number;
  out?: string;
  json?: boolean;
  backend: string;
  /** Env copies (default: the largest divisor of episodesPerUpdate up to 10, so no episode is wasted). */
  numEnvs?: number;
  /** Threads collecting rollouts, the env copies split between them (default: defaultThreads). */
  threads?: number;
  episodesPerUpdate?: number;
  learner?: unknown;
  policyConfig?: unknown;
  robot?: string;
  reward?: string;
  /** Ends training after the current update; the policy so far is saved (Ctrl-C, SIGTERM). */
  stop?: AbortSignal;
}

export interface TrainTaskSummary {
  env: string;
  algo: string;
  initialReturn: number;
  finalReturn: number;
  /** Mean speed (m/s) of the last batch's episodes, legged envs only. */
  meanSpeed?: number;
  envSteps: number;
  wallSeconds: number;
  backend: string;
}

/** Per algo: episodes per update and the policy that suits its baseline. */
const ALGO_DEFAULTS = {
  ppo: { episodesPerUpdate: 16, policy: { valueFunction: true } },
  vpg: { episodesPerUpdate: 20, policy: { valueFunction: false } },
} as const;
const DEFAULT_STEPS = 64_000;

/** Learns one task from scratch; writes `out/policy/`, `out/metrics.jsonl` and `out/run.json` when `out` is set. */
export async function trainTask(
  options: TrainTaskOptions,
  log: (
    line: string,
    progress: { update: number; envSteps: number; total: number; meanReturn: number; meanSpeed?: number },
  ) => void = () => {},
): Promise<TrainTaskSummary> {
  if (!(options.algo in ALGO_DEFAULTS)) throw new TerrariumError('--algo', options.algo, 'one of vpg, ppo');
  if (!(BACKEND_NAMES as readonly string[]).includes(options.backend)) {
    throw new TerrariumError('--backend', options.backend, `one of ${BACKEND_NAMES.join(', ')}`);
  }
  const algo = options.algo as keyof typeof ALGO_DEFAULTS;
  const learnerConfig = parseWith(
    learnerConfigSchema,
    { ...((options.learner as object) ?? {}), algo } as LearnerConfigInput,
    '--learner',
  );
  const backend = await initBackend(options.backend as BackendName);
  const entry = envEntry(options.env);
  const task = resolveTask(options);
  const episodesPerUpdate = options.episodesPerUpdate ?? ALGO_DEFAULTS[algo].episodesPerUpdate;
  const steps = options.steps ?? DEFAULT_STEPS;
  // `steps` env steps in all, batches of whole episodes until the last, which is cut at the budget. The planned
  // updates (whole-length episodes; PPO anneals its learning rate over them) are what a robot that never falls makes.
  const updates = Math.max(1, Math.round(steps / (episodesPerUpdate * entry.maxEpisodeSteps)) - 1);
  const policyConfig = {
    ...ALGO_DEFAULTS[algo].policy,
    ...((options.policyConfig as PolicyConfigInput) ?? {}),
  };
  const numEnvs = options.numEnvs ?? largestDivisor(episodesPerUpdate, 10);
  const robot = robotFlag(options.robot, options.env);
  const envOptions = {
    task,
    contextDim: policyConfig.contextDim,
    robot,
    reward: rewardFlag(options.reward),
  };
  if (policyConfig.contextDim && (options.threads ?? 1) > 1) {
    throw new TerrariumError(
      '--threads',
      options.threads,
      '1 with a policy contextDim (context inputs stay in this thread)',
    );
  }
  const venv = await makeVectorEnv(options.env, numEnvs, envOptions);
  const threads = policyConfig.contextDim
    ? 1
    : Math.min(options.threads ?? defaultThreads(options.env), numEnvs);
  const policy = GaussianPolicy.create(policyConfig, venv.obsDim, venv.actDim, options.seed);
  const metricsFile = options.out ? join(options.out, 'metrics.jsonl') : null;
  if (options.out) {
    await mkdir(options.out, { recursive: true });
    await writeFile(metricsFile!, '');
    const run = {
      env: options.env,
      task,
      algo,
      ...(options.reward ? { reward: options.reward } : {}),
      learner: learnerConfig,
      policy: policy.config,
      seed: options.seed,
    };
    await writeTrainTaskRun(
      options.out,
      { ...run, steps, plannedUpdates: updates, episodesPerUpdate, numEnvs, threads, backend },
      robot,
    );
  }
  const collector = createEpisodeCollector(venv, { env: options.env, options: envOptions }, threads);
  try {
    const result = await makeLearner(learnerConfig).adapt(
      policy,
      venv,
      { updates, episodesPerUpdate, envSteps: steps },
      options.seed,
      {
        until: options.stop,
        onBatch: (event) => {
          const { batch: _batch, ...rest } = event;
          const line = JSON.stringify({ ...rest, backend });
          if (metricsFile) appendFileSync(metricsFile, `${line}\n`);
          log(line, {
            update: event.update,
            envSteps: event.envSteps,
            total: steps,
            meanReturn: event.meanReturn,
            meanSpeed: event.meanSpeed,
          });
        },
      },
      { collector },
    );
    if (options.out) await result.policy.save(join(options.out, 'policy'));
    result.policy.dispose();
    const { returns, speeds, envSteps, wallSeconds } = result.stats;
    return {
      env: options.env,
      algo,
      initialReturn: returns[0]!,
      finalReturn: returns[returns.length - 1]!,
      ...(speeds ? { meanSpeed: speeds[speeds.length - 1]! } : {}),
      envSteps,
      wallSeconds,
      backend,
    };
  } finally {
    policy.dispose();
    await collector.close();
    venv.close();
  }
}

/**
 * Two threads for legged envs on a machine with two cores or more (physics is about half of a PPO run's time there,
 * so a second core pays for the threads' start-up and the copies they build); one for ball-nav, whose physics is
 * too cheap to be worth it. Results are the same either way.
 */
export function defaultThreads(env: string): number {
  return envEntry(env).rewardPresets && availableParallelism() >= 2 ? 2 : 1;
}

function largestDivisor(n: number, max: number): number {
  for (let d = Math.min(n, max); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

export function registerTrainTaskCommand(program: Command): void {
  addTaskOptions(
    program
      .command('train-task')
      .description('learn one task from scratch with VPG or PPO; writes the policy and metrics.jsonl'),
  )
    .option('--algo <name>', 'vpg | ppo', 'ppo')
    .option(
      '--robot <file>',
      'robot spec JSON replacing the shipped robot (legged envs; see docs/robots.md)',
      pathOption('--robot'),
    )
    .option('--steps <n>', `env steps budget (default ${DEFAULT_STEPS})`, intOption('--steps', 1))
    .option('--seed <n>', 'seed of the policy init, rollouts and minibatches', intOption('--seed', 0), 0)
    .option('--out <dir>', 'write policy/, metrics.jsonl and run.json here', pathOption('--out'))
    .option('--backend <name>', `tfjs backend: ${BACKEND_NAMES.join(' | ')}`, 'auto')
    .option(
      '--num-envs <n>',
      'env copies stepped together (default: a divisor of the episodes, <= 10)',
      intOption('--num-envs', 1),
    )
    .option(
      '--threads <n>',
      'threads collecting rollouts, the env copies split between them, and from 2 on, PPO updates its value net ' +
        'on a thread of its own; results do not depend on it (default: 2 for legged envs on a machine with >= 2 ' +
        'cores, else 1)',
      intOption('--threads', 1, 64),
    )
    .option(
      '--episodes-per-update <n>',
      'episodes per update (ppo 16, vpg 20)',
      intOption('--episodes-per-update', 1),
    )
    .option(
      '--learner <json>',
      'learner hyperparameters, e.g. {"learningRate":0.001}',
      jsonOption('--learner'),
    )
    .option(
      '--policy-config <json>',
      'policy config, e.g. {"hiddenSizes":[32,32]}',
      jsonOption('--policy-config'),
    )
    .option(
      '--reward <preset>',
      `reward preset of a legged env: ${REWARD_PRESETS.join(' | ')} (default maml)`,
    )
    .option(
      '--json',
      'print { env, algo, initialReturn, finalReturn, meanSpeed, envSteps, wallSeconds, backend }',
    )
    .action(async (options: TrainTaskOptions) => {
      let bar: cliProgress.SingleBar | null = null;
      const signals = stopOnSignals(
        options.out ? `the policy trained so far to ${options.out}` : 'nothing (no --out)',
      );
      const summary = await trainTask({ ...options, stop: signals.signal }, (_line, p) => {
        if (options.json) return;
        if (process.stderr.isTTY) {
          if (!bar) {
            bar = new cliProgress.SingleBar(
              {
                format: 'env steps {value}/{total} [{bar}] return {ret} speed {speed} | ETA {eta_formatted}',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(p.total, 0, { ret: '-', speed: '-' });
          }
          bar.update(p.envSteps, { ret: p.meanReturn.toFixed(2), speed: p.meanSpeed?.toFixed(2) ?? '-' });
        } else {
          process.stderr.write(
            `update ${p.update}  env steps ${p.envSteps}/${p.total}  return ${p.meanReturn.toFixed(2)}` +
              `${p.meanSpeed === undefined ? '' : `  speed ${p.meanSpeed.toFixed(2)}`}\n`,
          );
        }
      }).finally(() => {
        (bar as cliProgress.SingleBar | null)?.stop();
        signals.dispose();
      });
      if (options.json) {
        const { env, algo, initialReturn, finalReturn, meanSpeed, envSteps, wallSeconds, backend } = summary;
        process.stdout.write(
          `${JSON.stringify({ env, algo, initialReturn, finalReturn, meanSpeed, envSteps, wallSeconds, backend })}\n`,
        );
      } else {
        process.stdout.write(
          `${summary.env} ${summary.algo}: return ${summary.initialReturn.toFixed(2)} -> ${summary.finalReturn.toFixed(2)}` +
            `${summary.meanSpeed === undefined ? '' : `, mean speed ${summary.meanSpeed.toFixed(2)} m/s`}` +
            ` in ${summary.envSteps} env steps, ${summary.wallSeconds.toFixed(1)} s (backend ${summary.backend})` +
            `${options.out ? `; wrote ${options.out}` : ''}\n`,
        );
      }
      process.exitCode = signals.exitCode() ?? 0;
    });
}
