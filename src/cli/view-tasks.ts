import { TerrariumError } from '../core/errors.js';
import type { TaskDistribution } from '../envs/task.js';
import type { TaskSource } from '../meta/events.js';

/**
 * The tasks a `terrarium view` shows in turn: `--count` held-out tasks (`--tasks test`) or that many training tasks
 * drawn with `--seed`, cycled from the one a page selects. A task a page sends goes first; it waits in one slot (the
 * newest wins), so pages cannot make the server hold more. Each task comes with its source: the page that sent it
 * (by connection id) or its place in the list.
 */
export class ViewTasks {
  readonly list: readonly unknown[];
  private next = 0;
  private sent: { task: unknown; connectionId: number } | undefined;
  private readonly split: 'test' | 'train';

  constructor(
    distribution: TaskDistribution<unknown>,
    options: { tasks: 'test' | 'train'; count: number; seed: number },
  ) {
    this.split = options.tasks;
    this.list =
      options.tasks === 'test'
        ? distribution.testTasks(options.count)
        : distribution.sampleTrain(options.count, options.seed);
  }

  /** The task to show next, its index in the list (-1: the one a page sent) and where it came from. */
  take(): { task: unknown; taskIndex: number; source: TaskSource } {
    if (this.sent !== undefined) {
      const { task, connectionId } = this.sent;
      this.sent = undefined;
      return { task, taskIndex: -1, source: { kind: 'page', connectionId } };
    }
    const taskIndex = this.next++ % this.list.length;
    return {
      task: this.list[taskIndex],
      taskIndex,
      source: { kind: 'tasks', split: this.split, index: taskIndex },
    };
  }

  /** A page's task (connection id 0: unnamed). */
  send(task: unknown, connectionId = 0): void {
    this.sent = { task, connectionId };
  }

  select(taskIndex: number): void {
    if (taskIndex >= this.list.length) {
      throw new TerrariumError('select.taskIndex', taskIndex, `an index below ${this.list.length}`);
    }
    this.next = taskIndex;
  }
}
