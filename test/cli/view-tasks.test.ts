import { describe, expect, it } from 'vitest';
import { ViewTasks } from '../../src/cli/view-tasks.js';
import { envEntry } from '../../src/envs/registry.js';

const distribution = envEntry('ball-nav').distribution();

describe('the tasks a view shows', () => {
  it('cycles the held-out tasks from the selected one; a task a page sends goes first, the newest of several, with its sender', () => {
    const heldOut = distribution.testTasks(3);
    const tasks = new ViewTasks(distribution, { tasks: 'test', count: 3, seed: 0 });
    expect(tasks.list).toEqual(heldOut);
    const shown = () => tasks.take().taskIndex;
    expect([shown(), shown(), shown(), shown()]).toEqual([0, 1, 2, 0]);
    tasks.send({ page: 1 }, 4);
    tasks.send({ page: 2 }, 5);
    // Each with where it came from: the page that sent it, or its place in the list.
    expect(tasks.take()).toEqual({
      task: { page: 2 },
      taskIndex: -1,
      source: { kind: 'page', connectionId: 5 },
    });
    tasks.select(2);
    expect(tasks.take().source).toEqual({ kind: 'tasks', split: 'test', index: 2 });
    expect(shown()).toBe(0);
  });

  it('draws training tasks with the seed', () => {
    const tasks = new ViewTasks(distribution, { tasks: 'train', count: 4, seed: 9 });
    expect(tasks.list).toEqual(distribution.sampleTrain(4, 9));
    expect(tasks.list).not.toEqual(distribution.testTasks(4));
  });

  it('refuses a selection past the list, naming it and the bound, and keeps its place', () => {
    const tasks = new ViewTasks(distribution, { tasks: 'test', count: 3, seed: 0 });
    tasks.take();
    expect(() => tasks.select(3)).toThrow('select.taskIndex: expected an index below 3, got 3');
    expect(tasks.take().taskIndex).toBe(1);
  });
});
