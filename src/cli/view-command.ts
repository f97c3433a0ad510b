/**
 * `terrarium view --run DIR [--tasks test|train] [--count N] [--k K] [--port P] [--host H] [--token T]`: replays a
 * trained run without training. For each task (held-out by default) the viewer shows, side by side on the same
 * terrain, the meta-init and the policy after 1, 2, ..., K inner updates (view-adaptation.ts), with the return and
 * speed of each k, and the run's training curve (metrics.jsonl). A page may send its own task, built from the task
 * controls the server describes (task-controls.ts) and validated by the server; every page is told which task is
 * adapted and who sent it.
 *
 * The adaptation runs in a worker thread, so the display never stalls.
 */
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { BehaviorSubject, from } from 'rxjs';
import { TerrariumError } from '../core/errors.js';
import { envEntry, makeEnv } from '../envs/registry.js';
import { loadLatestCheckpoint } from '../meta/checkpoint.js';
import { isSineConfig, type RlTrainConfig } from '../meta/config.js';
import { withContextMeasure } from '../meta/eval/context-measure.js';
import type { TrainingStreams } from '../meta/events.js';
import { createJobRunner } from '../meta/pool.js';
import { policyKind } from '../meta/run-policy.js';
import { sideBySideRollouts } from '../meta/side-by-side-rollouts.js';
import { makeMetaLearner } from '../meta/trainer.js';
import { taskControls } from '../server/task-controls.js';
import { intOption, pathOption } from './options.js';
import { checkRunRobotFlag, RUN_ROBOT_HELP } from './robot-option.js';
import { viewAdaptation } from './view-adaptation.js';
import { recordedMetrics } from './view-metrics.js';
import { serveView } from './view-session.js';
import { ViewTasks } from './view-tasks.js';

/** Training tasks sampled to tell the page each task field's trained range. */
const TASKS_FOR_RANGES = 500;
/** Most inner updates shown at once (one robot and one physics world each, next to the meta-init). */
const MAX_K = 5;

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
  /** Inner updates shown beside the meta-init (default: the run's inner.steps). */
  k?: number;
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
  const runId = basename(resolve(options.run));
  const metrics = await recordedMetrics(options.run, runId);
  // A context run's returns per k measured as eval measures them: at the adapted context the robots on screen run.
  const learner = await makeMetaLearner(withContextMeasure(config));
  const runner = createJobRunner({ workers: options.workers ?? 1 });
  const steps = options.k ?? config.inner.steps;
  // Checks a page's task the way the display env will take it (a crippled leg the robot has, ...).
  const probe = await makeEnv(config.env, {
    task: tasks.list[0],
    robot: config.robot,
    reward: config.reward,
    observeTask: config.observeTask,
  });
  const adaptation = viewAdaptation({
    runId,
    iteration: loaded.iteration,
    learner,
    run: (job) => runner.run(job),
    init: { params: loaded.params, obsNorm: loaded.obsNorm },
    tasks,
    steps,
    seed: options.seed,
  });
  const speed$ = new BehaviorSubject(1);
  const { scenes$, frames$ } = sideBySideRollouts({
    runId,
    run: config,
    maxLanes: steps + 1,
    speed$,
    getLanes: () => adaptation.next(),
  });
  const streams: TrainingStreams = {
    info: {
      runId,
      env: config.env,
      algo: `${config.algo} (replay of iteration ${loaded.iteration})`,
      backend: learner.backend,
      startedAt: new Date().toISOString(),
    },
    metrics$: from(metrics),
    adaptation$: adaptation.adaptation$,
    adapting$: adaptation.adapting$,
    scenes$,
    frames$,
  };
  const shutDown = async () => {
    await adaptation.close();
    await runner.close();
    learner.dispose();
    probe.close();
  };
  const viewer = await serveView(options, {
    streams,
    taskSchema: entry.taskSchema,
    taskControls: taskControls(entry.taskSchema, distribution.sampleTrain(TASKS_FOR_RANGES, options.seed)),
    checkTask: (task) => probe.setTask(task),
    tasks,
    speed$,
    onTaskChange: () => adaptation.taskChanged(),
  }).catch(async (error: unknown) => {
    await shutDown();
    throw error;
  });
  return {
    url: viewer.url,
    async close() {
      await viewer.close();
      await shutDown();
    },
  };
}

export function registerViewCommand(program: Command): void {
  program
    .command('view')
    .description(
      'replay a trained run in the live viewer: the meta-init and its adaptations side by side, on held-out tasks or a task set in the page',
    )
    .requiredOption(
      '--run <dir>',
      'a run directory (config.json, checkpoints/), or a train-task output or exported model (shown without adaptation)',
      pathOption('--run'),
    )
    .option('--tasks <split>', 'test (held-out) or train tasks', parseSplit, 'test')
    .option('--count <n>', 'how many tasks to cycle through', intOption('--count', 1, 10_000), 10)
    .option(
      '--k <n>',
      "inner updates shown beside the meta-init, one robot each (default: the run's inner.steps)",
      intOption('--k', 1, MAX_K),
    )
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
