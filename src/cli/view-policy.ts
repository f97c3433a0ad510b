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
  const distribution = entry.distribution();
  const tasks =
    options.tasks === 'test'
      ? distribution.testTasks(options.count)
      : distribution.sampleTrain(options.count, options.seed);
  let next = 0;
  // The newest task a page sent, not yet shown (one slot).
  let custom: unknown;
  const speed$ = new BehaviorSubject(1);
  const runId = basename(resolve(options.run));
  const { scenes$, frames$ } = liveRollouts({
    runId,
    envId: entry.id,
    policy: config,
    reward: recorded.reward as RewardPreset | undefined,
    observeTask: recorded.observeTask,
    speed$,
    getTask: () => {
      if (custom !== undefined) {
        const task = custom;
        custom = undefined;
        return { task, taskIndex: -1, k: 0 };
      }
      const taskIndex = next++ % tasks.length;
      return { task: tasks[taskIndex], taskIndex, k: 0 };
    },
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
  const viewer = await server.startViewerServer({
    streams,
    port: options.port,
    host: options.host,
    token: options.token,
    taskSchema: entry.taskSchema,
    taskControls: taskControls(entry.taskSchema),
    onTask: (task) => {
      custom = task;
    },
    onControl: (message) => {
      if (message.type === 'speed') speed$.next(message.value);
      if (message.type === 'select' && message.taskIndex !== undefined) {
        if (message.taskIndex >= tasks.length) {
          throw new TerrariumError('select.taskIndex', message.taskIndex, `an index below ${tasks.length}`);
        }
        next = message.taskIndex;
      }
    },
  });
  return { url: viewer.url, close: () => viewer.close() };
}
