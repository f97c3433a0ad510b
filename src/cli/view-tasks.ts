import { TerrariumError } from '../core/errors.js';
import type { TaskDistribution } from '../envs/task.js';

/**
 * The tasks a `terrarium view` shows in turn: `--count` held-out tasks (`--tasks test`) or that many training tasks
 * drawn with `--seed`, cycled from the one a page selects. A task a page sends goes first; it waits in one slot (the
 * newest wins), so pages cannot make the server hold more.
 */
export class ViewTasks {
  readonly list: readonly unknown[];
  private next = 0;
  private sent: unknown;

  constructor(
    distribution: TaskDistribution<unknown>,
    options: { tasks: 'test' | 'train'; count: number; seed: number },
  ) {
    this.list =
      options.tasks === 'test'
        ? distribution.testTasks(options.count)
        : distribution.sampleTrain(options.count, options.seed);
  }

  /** The task to show next and its index in the list (-1: the one a page sent). */
  take(): { task: unknown; taskIndex: number } {
    if (this.sent !== undefined) {
      const task = this.sent;
      this.sent = undefined;
      return { task, taskIndex: -1 };
    }
    const taskIndex = this.next++ % this.list.length;
    return { task: this.list[taskIndex], taskIndex };
  }

  send(task: unknown): void {
    this.sent = task;
  }

  select(taskIndex: number): void {
    if (taskIndex >= this.list.length) {
      throw new TerrariumError('select.taskIndex', taskIndex, `an index below ${this.list.length}`);
    }
    this.next = taskIndex;
  }
}
