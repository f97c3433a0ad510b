/**
 * `terrarium view --run DIR [--tasks test|train] [--count N] [--port P] [--host H] [--token T]`: replays a trained
 * run without training. For each task (held-out by default) the viewer shows the meta-init, then the policy after
 * 1, 2, ..., K inner updates, one display episode each, with the return of each step on the adaptation curve. A page
 * may send its own task (validated with the env's task schema); it is shown next.
 *
 * The adaptation runs in a worker thread, so the display never stalls, and only as far ahead of what is shown as one
 * step: with no page watching, nothing is computed.
 */
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { BehaviorSubject, EMPTY, Subject } from 'rxjs';
import { TerrariumError } from '../core/errors.js';
import { deriveSeed } from '../core/rng.js';
import { envEntry } from '../envs/registry.js';
import { loadLatestCheckpoint } from '../meta/checkpoint.js';
import { isSineConfig, type RlTrainConfig } from '../meta/config.js';
import type { AdaptationEvent, TrainingStreams } from '../meta/events.js';
import { liveRollouts } from '../meta/live-rollouts.js';
import type { AdaptJob } from '../meta/meta-learner.js';
import { createJobRunner } from '../meta/pool.js';
import { policyKind } from '../meta/run-policy.js';
import { makeMetaLearner } from '../meta/trainer.js';
import { intOption, pathOption } from './options.js';
import { checkRunRobotFlag, RUN_ROBOT_HELP } from './robot-option.js';
import { serveView } from './view-session.js';
import { ViewTasks } from './view-tasks.js';

export interface ViewOptions {
  run: string;
  tasks: 'test' | 'train';
  count: number;
  port: number;
  host?: string;
  token?: string;
  seed: number;
  /** Worker threads for the adaptation (0: the main thread, for tests). */
  workers?: number;
  /** `--robot FILE`: must be the run's own robot (the view always uses that). */
  robot?: string;
}

/** What is shown for one display episode: a task, its index (-1: sent by a page) and the params after k updates. */
interface Shown {
  task: unknown;
  taskIndex: number;
  k: number;
  params: Float32Array;
  obsNorm: unknown | null;
  return: number;
}

export interface ViewSession {
  url: string;
  close(): Promise<void>;
}

export async function startView(options: ViewOptions): Promise<ViewSession> {
  const kind = policyKind(options.run)?.kind;
  if (kind === 'policy' || kind === 'exported')
    return (await import('./view-policy.js')).startPolicyView(options);
  const server = await import('../server/server.js');
  server.checkViewerOptions(options);
  const loaded = await loadLatestCheckpoint(options.run);
  if (isSineConfig(loaded.config)) {
    throw new TerrariumError(
      '--run',
      options.run,
      'a run of a simulated env (a sine run has nothing to draw)',
    );
  }
  const config = loaded.config as RlTrainConfig;
  checkRunRobotFlag(options.robot, config, options.run);
  const entry = envEntry(config.env);
  const distribution = entry.distribution(config.tasks, config.robot);
  const tasks = new ViewTasks(distribution, options);
  const learner = await makeMetaLearner(config);
  const runner = createJobRunner({ workers: options.workers ?? 1 });
  const runId = basename(resolve(options.run));
  const adaptation$ = new Subject<AdaptationEvent>();
  const speed$ = new BehaviorSubject(1);
  const init: Shown = {
    task: tasks.list[0],
    taskIndex: 0,
    k: 0,
    params: loaded.params,
    obsNorm: loaded.obsNorm,
    return: Number.NaN,
  };

  // The producer (below) fills `ready`; each display episode takes the next ready step, or repeats the current one.
  const ready: Shown[] = [];
  let current = init;
  let wakeProducer: () => void = () => {};
  const next = (): Shown => {
    const step = ready.shift();
    if (step) {
      current = step;
      adaptation$.next({
        runId,
        iteration: loaded.iteration,
        taskIndex: step.taskIndex,
        task: step.task,
        k: step.k,
        return: step.return,
      });
      wakeProducer();
    }
    return current;
  };
  const { scenes$, frames$ } = liveRollouts({
    runId,
    run: config,
    speed$,
    getTask: () => {
      const shown = next();
      return { task: shown.task, taskIndex: shown.taskIndex, k: shown.k };
    },
    getParams: () => ({ params: current.params, obsNorm: current.obsNorm }),
  });

  let stopped = false;
  let interrupt = false;
  const adapt = async (task: unknown, taskIndex: number, round: number) => {
    const seed = deriveSeed(options.seed, round, taskIndex);
    for (let k = 1; k <= config.inner.steps && !stopped && !interrupt; k++) {
      while (ready.length > 0 && !stopped && !interrupt)
        await new Promise<void>((wake) => (wakeProducer = wake));
      if (stopped || interrupt) return;
      const job = learner.job({
        iteration: loaded.iteration,
        taskIndex,
        params: loaded.params,
        obsNorm: loaded.obsNorm,
        task,
        seed,
      });
      // The params after k updates: the same job (same seed) cut at k updates.
      const result = await runner.run({ ...job, spec: { ...job.spec, steps: k } } as AdaptJob);
      if (stopped || interrupt) return;
      const returns = result.stats.returns;
      if (k === 1)
        ready.push({
          task,
          taskIndex,
          k: 0,
          params: loaded.params,
          obsNorm: loaded.obsNorm,
          return: returns[0]!,
        });
      ready.push({ task, taskIndex, k, params: result.params, obsNorm: result.obsNorm, return: returns[k]! });
    }
  };
  const produce = async () => {
    for (let round = 0; !stopped; round++) {
      interrupt = false;
      const { task, taskIndex } = tasks.take();
      await adapt(task, taskIndex, round);
    }
  };
  const producing = produce().catch((error) => {
    process.stderr.write(`terrarium view: ${(error as Error).message}\n`);
  });

  const streams: TrainingStreams = {
    info: {
      runId,
      env: config.env,
      algo: `${config.algo} (replay of iteration ${loaded.iteration})`,
      backend: learner.backend,
      startedAt: new Date().toISOString(),
    },
    metrics$: EMPTY,
    adaptation$,
    scenes$,
    frames$,
  };
  const shutDown = async () => {
    stopped = true;
    wakeProducer();
    await producing;
    await runner.close();
    learner.dispose();
    adaptation$.complete();
  };
  const viewer = await serveView(options, {
    streams,
    taskSchema: entry.taskSchema,
    tasks,
    speed$,
    // A page's task or selection is shown next: drop the steps prepared for the current task.
    onTaskChange: () => {
      interrupt = true;
      ready.length = 0;
      wakeProducer();
    },
  }).catch(async (error: unknown) => {
    await shutDown();
    throw error;
  });
  return {
    url: viewer.url,
    async close() {
      stopped = true;
      wakeProducer();
      await viewer.close();
      await shutDown();
    },
  };
}

export function registerViewCommand(program: Command): void {
  program
    .command('view')
    .description(
      'replay a trained run in the live viewer: the meta-init adapting to held-out tasks, step by step',
    )
    .requiredOption(
      '--run <dir>',
      'a run directory (config.json, checkpoints/), or a train-task output or exported model (shown without adaptation)',
      pathOption('--run'),
    )
    .option('--tasks <split>', 'test (held-out) or train tasks', parseSplit, 'test')
    .option('--count <n>', 'how many tasks to cycle through', intOption('--count', 1, 10_000), 10)
    .option('--seed <n>', 'seed of the adaptation (and of train tasks)', intOption('--seed', 0), 0)
    .option('--port <n>', 'viewer port (0: any free port)', intOption('--port', 0, 65535), 0)
    .option('--host <host>', 'viewer interface (default 127.0.0.1; others need a token)')
    .option('--token <token>', 'viewer access token')
    .option('--robot <file>', RUN_ROBOT_HELP, pathOption('--robot'))
    .action(async (options: ViewOptions) => {
      const session = await startView(options);
      process.stdout.write(`viewer: ${session.url}\n`);
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
      await session.close();
      process.exitCode = 130;
    });
}

function parseSplit(value: string): 'test' | 'train' {
  if (value !== 'test' && value !== 'train') throw new TerrariumError('--tasks', value, 'test or train');
  return value;
}
