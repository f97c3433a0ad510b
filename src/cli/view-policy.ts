/**
 * `terrarium view --run DIR` where DIR is a policy directory, a train-task output or an exported model: no
 * adaptation (nothing records how the policy was trained), the policy as it is, one display episode per task,
 * cycling through the env's held-out tasks (or training tasks), then any task a page sends.
 */
import { basename, resolve } from 'node:path';
import { BehaviorSubject, EMPTY } from 'rxjs';
import { TerrariumError } from '../core/errors.js';
import { envEntry } from '../envs/registry.js';
import type { RewardPreset } from '../envs/reward-presets.js';
import type { TrainingStreams } from '../meta/events.js';
import { liveRollouts } from '../meta/live-rollouts.js';
import { loadPolicy, recordedEnv } from '../meta/run-policy.js';
import { taskControls } from '../server/task-controls.js';
import type { ViewOptions, ViewSession } from './view-command.js';
import { serveView } from './view-session.js';
import { ViewTasks } from './view-tasks.js';

export async function startPolicyView(options: ViewOptions): Promise<ViewSession> {
  const server = await import('../server/server.js');
  server.checkViewerOptions(options);
  const recorded = await recordedEnv(options.run);
  if (!recorded) {
    throw new TerrariumError(
      '--run',
      options.run,
      'a policy that records its env (a train-task output, or a model written by `terrarium export`)',
    );
  }
  const entry = envEntry(recorded.env);
  const policy = await loadPolicy(options.run);
  const shown = { params: policy.getParams(), obsNorm: policy.getObsNorm() };
  const config = policy.config;
  policy.dispose();
  const tasks = new ViewTasks(entry.distribution(), options);
  const speed$ = new BehaviorSubject(1);
  const runId = basename(resolve(options.run));
  const { scenes$, frames$ } = liveRollouts({
    runId,
    run: {
      env: entry.id,
      policy: config,
      reward: recorded.reward as RewardPreset | undefined,
      observeTask: recorded.observeTask,
    },
    speed$,
    getTask: () => ({ ...tasks.take(), k: 0 }),
    getParams: () => shown,
  });
  const streams: TrainingStreams = {
    info: {
      runId,
      env: entry.id,
      algo: 'policy (no adaptation)',
      backend: 'plain-js',
      startedAt: new Date().toISOString(),
    },
    metrics$: EMPTY,
    adaptation$: EMPTY,
    scenes$,
    frames$,
  };
  const viewer = await serveView(options, {
    streams,
    taskSchema: entry.taskSchema,
    taskControls: taskControls(entry.taskSchema),
    tasks,
    speed$,
  });
  return { url: viewer.url, close: () => viewer.close() };
}
