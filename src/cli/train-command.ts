import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { TerrariumError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';
import { loadLatestCheckpoint, readRunConfig } from '../meta/checkpoint.js';
import { isSineConfig, parseTrainConfig, type TrainConfig, withOverrides } from '../meta/config.js';
import { checkRedis, queueConnection } from '../meta/queue/connection.js';
import { evaluateSine } from '../meta/sine-learner.js';
import { createTrainer, initSeed, type Trainer } from '../meta/trainer.js';
import { followJobs, iterationLabel } from './iteration-progress.js';
import { ITERATIONS_HELP, noteIterations } from './iterations-note.js';
import { intOption, numberOption, pathOption } from './options.js';
import { QUEUE_CA_HELP, QUEUE_HELP, QUEUE_TIMEOUT_HELP } from './queue-help.js';
import { checkRunRobotFlag, robotFlag } from './robot-option.js';
import { stopOnSignals } from './signals.js';
import { UsageError } from './usage-error.js';

export interface TrainOptions {
  config?: string;
  out?: string;
  resume?: boolean;
  force?: boolean;
  workers?: number;
  backend?: string;
  seed?: number;
  iterations?: number;
  stopAfter?: number;
  view?: boolean;
  port?: number;
  host?: string;
  token?: string;
  json?: boolean;
  /** `--robot FILE`: the robot of a new run (replacing the config's); on --resume it must be the run's own. */
  robot?: string;
  queue?: string;
  /** `--queue-ca FILE`: the CA certificates (PEM) that a rediss:// queue's server certificate must chain to. */
  queueCa?: string;
  queueTimeout?: number;
  /** `--init-from DIR`: a warm start, the run whose latest checkpoint is the new run's first meta-init. */
  initFrom?: string;
}

export async function readConfigFile(path: string): Promise<TrainConfig> {
  const json = await readJsonFile(path, {
    unreadable: () => new TerrariumError('--config', path, 'a readable JSON file'),
    invalid: (_text, reason) => new TerrariumError('--config', path, 'valid JSON', reason),
  });
  return parseTrainConfig(json, dirname(path));
}

/** runs/NAME-STAMP; NAME is the config's path inside configs/ (`configs/ball-nav/meta.json`: ball-nav-meta; ablations/ left out). */
export function defaultRunDir(configPath: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const parts = resolve(configPath).split(sep);
  const inConfigs = parts.lastIndexOf('configs');
  const named =
    inConfigs >= 0 ? parts.slice(inConfigs + 1).filter((part) => part !== 'ablations') : parts.slice(-1);
  const name = named.join('-').slice(0, -extname(configPath).length || undefined);
  return join('runs', `${name}-${stamp}`);
}

type ServerModule = typeof import('../server/server.js');

/** `--view`: the viewer server is loaded on demand (src/server may be absent in a trimmed build); null if absent. */
async function loadViewer(options: TrainOptions): Promise<ServerModule | null> {
  let server: ServerModule;
  try {
    server = await import('../server/server.js');
  } catch (error) {
    process.stderr.write(`terrarium: --view is not available (${(error as Error).message})\n`);
    return null;
  }
  server.checkViewerOptions(options);
  return server;
}

async function startViewer(
  server: ServerModule,
  trainer: Trainer,
  options: TrainOptions,
): Promise<{ close(): Promise<void> }> {
  const viewer = await server.startViewerServer({
    streams: trainer.streams,
    port: options.port,
    host: options.host,
    token: options.token,
    onControl: (message) => trainer.control(message),
  });
  process.stdout.write(`viewer: ${viewer.url}\n`);
  return viewer;
}

function formatReturn(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : String(value);
}

/**
 * Progress: a cli-progress bar on a TTY (over iterations, or over env steps when the run has an env-step budget),
 * one plain line per iteration otherwise, JSON lines with --json.
 */
function reportProgress(trainer: Trainer, options: TrainOptions): { done(): void } {
  const total = trainer.config.iterations;
  const budget = trainer.config.envStepBudget;
  // Pretraining has no outer step size: its eps column would only mislead.
  const showEps = trainer.config.algo !== 'pretrain';
  let bar: cliProgress.SingleBar | null = null;
  if (!options.json && process.stdout.isTTY) {
    bar = new cliProgress.SingleBar(
      {
        format: `${budget ? 'env steps' : 'iter'} {value}/{total} [{bar}] {stepsPerSec} steps/s | return before {before} after {after} | ETA {eta_formatted}{jobs}{queue}`,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(
      budget ?? total,
      budget ? Math.min(trainer.startTotals.envSteps, budget) : trainer.startIteration,
      {
        stepsPerSec: '-',
        before: '-',
        after: '-',
        jobs: '',
        queue: '',
      },
    );
  }
  const jobsSub = options.json ? null : followJobs(trainer, bar);
  const queueText = () => {
    const q = trainer.queueStatus();
    return q ? `  queue: ${q.workers} worker(s), ${q.waiting} waiting, ${q.active} active` : '';
  };
  // With a queue, the bar's queue column is refreshed every second (workers join and leave mid-iteration).
  const queueTimer =
    bar && options.queue ? setInterval(() => bar?.update({ queue: queueText() }), 1000) : null;
  // Env steps/s of the last iteration, from the cumulative counters of consecutive events.
  let previous = trainer.startTotals;
  const metricsSub = trainer.streams.metrics$.subscribe((event) => {
    const wall = event.wallSeconds - previous.wallSeconds;
    const rate = wall > 0 ? Math.round((event.envSteps - previous.envSteps) / wall) : 0;
    previous = event;
    if (options.json) {
      const queue = trainer.queueStatus();
      process.stdout.write(`${JSON.stringify({ type: 'metrics', ...event, ...(queue ? { queue } : {}) })}\n`);
    } else if (bar) {
      bar.update(budget ? Math.min(event.envSteps, budget) : event.iteration + 1, {
        stepsPerSec: String(rate),
        before: formatReturn(event.returnBefore),
        after: formatReturn(event.returnAfter),
      });
    } else {
      process.stdout.write(
        `${iterationLabel(event.iteration, total)}  return before ${formatReturn(event.returnBefore)}` +
          `  after ${formatReturn(event.returnAfter)}${showEps ? `  eps ${event.eps.toFixed(3)}` : ''}` +
          `${event.envSteps > 0 ? `  ${rate} steps/s` : ''}` +
          `${budget ? `  env steps ${event.envSteps}/${budget}` : ''}` +
          `  ${wall.toFixed(2)} s${queueText()}\n`,
      );
    }
  });
  const noticeSub = trainer.notices$.subscribe((notice) => {
    if (notice.startsWith('checkpoint')) return;
    if (bar) bar.stop();
    process.stderr.write(`terrarium: ${notice}\n`);
  });
  return {
    done: () => {
      if (queueTimer) clearInterval(queueTimer);
      bar?.stop();
      metricsSub.unsubscribe();
      noticeSub.unsubscribe();
      jobsSub?.unsubscribe();
    },
  };
}

export async function runTrain(options: TrainOptions): Promise<number> {
  if (options.resume && !options.out)
    throw new UsageError('--resume: give the run to continue with --out DIR');
  if (!options.config && !options.resume) throw new UsageError('--config FILE is required');
  const base = options.config ? await readConfigFile(options.config) : await readRunConfig(options.out!);
  noteIterations(base, options);
  if (options.resume) {
    if (options.initFrom !== undefined)
      throw new UsageError(
        '--init-from starts a new run from another; --resume continues this one: give one of them',
      );
    if (options.robot !== undefined)
      checkRunRobotFlag(options.robot, await runOrConfig(options.out!, base), options.out!);
    return runTrainer(withOverrides(base, { ...options, robot: undefined }), options.out!, options);
  }
  const robot = robotFlag(options.robot, base.env);
  const config = withOverrides(base, { ...options, robot });
  return runTrainer(config, options.out ?? defaultRunDir(options.config!), options);
}

/** The config of the run in `dir`; a directory without one yet (nothing to compare) gives `fallback`. */
async function runOrConfig(dir: string, fallback: TrainConfig): Promise<TrainConfig> {
  return existsSync(join(dir, 'config.json')) ? readRunConfig(dir) : fallback;
}

/** Trains `config` into `outDir` with progress, Ctrl-C handling and (--view) the live viewer; the exit code. */
export async function runTrainer(
  config: TrainConfig,
  outDir: string,
  options: TrainOptions,
): Promise<number> {
  if (options.resume && options.force)
    throw new UsageError('--force starts a run over and --resume continues it: give one of them');
  // Every option is checked before the trainer (and its run directory) is touched.
  if (options.queueCa !== undefined && options.queue === undefined)
    throw new UsageError('--queue-ca: expected together with a rediss:// --queue URL, got no --queue');
  const queue = options.queue
    ? {
        connection: queueConnection(options.queue, options.queueCa),
        ...(options.queueTimeout !== undefined ? { redisTimeoutMs: options.queueTimeout * 1000 } : {}),
      }
    : undefined;
  if (queue) await checkRedis(queue.connection);
  const server = options.view ? await loadViewer(options) : null;
  const trainer = await createTrainer({
    config,
    outDir,
    resume: options.resume,
    force: options.force,
    stopAfter: options.stopAfter,
    queue,
  });
  for (const note of trainer.resumeNotes) process.stderr.write(`terrarium: ${note}\n`);
  const viewer = server ? await startViewer(server, trainer, options) : null;
  if (!options.json) {
    const budget = config.envStepBudget ? ` (or ${config.envStepBudget} env steps)` : '';
    process.stdout.write(
      `training ${config.algo} on ${config.env}: ${config.iterations} iterations${budget} x ${config.metaBatchSize} tasks, ` +
        `${queue ? `jobs on the queue at ${queue.connection.shown}` : `${config.workers} worker(s)`}, ` +
        `backend ${trainer.streams.info.backend}; run dir ${outDir}` +
        `${trainer.startIteration > 0 ? ` (resuming at ${iterationLabel(trainer.startIteration, config.iterations)})` : ''}\n`,
    );
  }
  const signals = stopOnSignals('a checkpoint', () => trainer.stop());
  const progress = reportProgress(trainer, options);
  try {
    const summary = await trainer.run();
    progress.done();
    let sine: ReturnType<typeof evaluateSine> | undefined;
    if (isSineConfig(config) && !summary.stopped) {
      const run = await loadLatestCheckpoint(outDir);
      sine = evaluateSine(config, run.params, initSeed(config));
      await writeFile(join(outDir, 'sine-eval.json'), `${JSON.stringify(sine, null, 2)}\n`);
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary, sine })}\n`);
    } else {
      const last = summary.lastMetrics;
      process.stdout.write(
        `${summary.stopped ? 'stopped' : 'done'} after ${summary.iterations} iterations` +
          (last
            ? `: return before ${formatReturn(last.returnBefore)}, after ${formatReturn(last.returnAfter)}`
            : '') +
          `; checkpoint in ${join(outDir, 'checkpoints')}\n`,
      );
      if (sine) {
        process.stdout.write(
          `sine few-shot test (${sine.tasks} held-out sines, ${sine.points} points, ${sine.steps} steps): ` +
            `MSE ${sine.metaMse.toFixed(3)} from the ${config.algo === 'pretrain' ? 'pretrained' : 'meta-'}init ` +
            `vs ${sine.randomMse.toFixed(3)} from a random init\n`,
        );
      }
    }
    return signals.exitCode() ?? 0;
  } finally {
    progress.done();
    signals.dispose();
    await viewer?.close();
  }
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('meta-train a policy initialization with Reptile (see configs/)')
    .option('--config <file>', 'train config JSON (see configs/)', pathOption('--config'))
    .option('--out <dir>', 'run directory (default runs/<config>-<time>)', pathOption('--out'))
    .option('--resume', 'continue the run in --out from its newest checkpoint that verifies')
    .option('--force', 'start over in a non-empty --out, deleting its earlier run (checkpoints, metrics)')
    .option(
      '--workers <n>',
      'worker threads adapting tasks in parallel (0: main thread)',
      intOption('--workers', 0),
    )
    .option('--backend <name>', 'tfjs backend: auto, wasm, cpu, node, node-gpu')
    .option('--queue <url>', QUEUE_HELP)
    .option('--queue-ca <file>', QUEUE_CA_HELP, pathOption('--queue-ca'))
    .option('--queue-timeout <s>', QUEUE_TIMEOUT_HELP, numberOption('--queue-timeout', 1))
    .option('--seed <n>', 'run seed', intOption('--seed', 0))
    .option(
      '--robot <file>',
      "robot spec JSON replacing the config's robot (legged envs; with --resume: the run's own; see docs/robots.md)",
      pathOption('--robot'),
    )
    .option('--iterations <n>', ITERATIONS_HELP, intOption('--iterations', 1))
    .option(
      '--init-from <dir>',
      "warm start: the first meta-init is this run's latest checkpoint (e.g. a domain-randomization run; see docs/guide.md)",
      pathOption('--init-from'),
    )
    .option(
      '--stop-after <n>',
      'stop (with a checkpoint) after this many iterations',
      intOption('--stop-after', 1),
    )
    .option('--view', 'serve the live viewer and print its URL')
    .option('--port <n>', 'viewer port (0: any free port)', intOption('--port', 0), 0)
    .option('--host <host>', 'viewer interface (default 127.0.0.1; others need a token)')
    .option('--token <token>', 'viewer access token')
    .option('--json', 'print metrics and the summary as JSON lines')
    .action(async (options: TrainOptions) => {
      process.exitCode = await runTrain(options);
    });
}
