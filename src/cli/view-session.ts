/**
 * The viewer server of both kinds of `terrarium view` (a run replayed with adaptation, a policy shown as it is),
 * with the page's controls wired to the replay: its speed to `speed$`, a task it sends (validated with the env's
 * task schema, then by `checkTask`) or selects to the view's tasks, and the task controls it draws.
 */
import type { BehaviorSubject } from 'rxjs';
import type { z } from 'zod';
import type { TrainingStreams } from '../meta/events.js';
import type { TaskControl } from '../server/task-controls.js';
import type { ViewOptions, ViewSession } from './view-command.js';
import type { ViewTasks } from './view-tasks.js';

export interface ViewControls {
  streams: TrainingStreams;
  taskSchema: z.ZodType;
  tasks: ViewTasks;
  speed$: BehaviorSubject<number>;
  /** Called after a page sent or selected a task (the view may drop what it prepared for the current one). */
  onTaskChange?: () => void;
  /** Refuses (throws) a page's task the env would not take though the schema does (a crippled leg it lacks). */
  checkTask?: (task: unknown) => void;
  taskControls?: TaskControl[];
}

/** Serves `controls.streams` on the host, port and token of `options`. */
export async function serveView(options: ViewOptions, controls: ViewControls): Promise<ViewSession> {
  const { tasks, onTaskChange } = controls;
  const server = await import('../server/server.js');
  return server.startViewerServer({
    streams: controls.streams,
    port: options.port,
    host: options.host,
    token: options.token,
    taskSchema: controls.taskSchema,
    taskControls: controls.taskControls,
    onTask: (task, sender) => {
      controls.checkTask?.(task);
      tasks.send(task, sender.connectionId);
      onTaskChange?.();
    },
    onControl: (message) => {
      if (message.type === 'speed') controls.speed$.next(message.value);
      if (message.type === 'select' && message.taskIndex !== undefined) {
        tasks.select(message.taskIndex);
        onTaskChange?.();
      }
    },
  });
}
