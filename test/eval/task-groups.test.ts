import { describe, expect, it } from 'vitest';
import { reportFromReturns } from '../../src/meta/eval/evaluate.js';
import { gapClosedLine } from '../../src/meta/eval/table.js';
import { crippledShareLine, groupResults, groupsTable } from '../../src/meta/eval/task-groups.js';

/** Three tasks x two seeds x k = 0..1; task i's group is its `group` field. */
const tasks = [{ group: 'a' }, { group: 'b' }, { group: 'a' }];
const groupsOf = (task: unknown) => [(task as { group: string }).group];
const method = (returns: number[][][], speeds?: number[][][]) => ({
  returns,
  ...(speeds ? { speeds } : {}),
  envSteps: 0,
  wallSeconds: 0,
});

describe('held-out tasks by group', () => {
  const report = reportFromReturns(
    { env: 'ant', k: 1, heldOutTasks: tasks },
    {
      meta: method(
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [10, 20],
            [30, 40],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ],
        [
          [
            [0.1, 0.2],
            [0.3, 0.4],
          ],
          [
            [1, 2],
            [3, 4],
          ],
          [
            [0.5, 0.6],
            [0.7, 0.8],
          ],
        ],
      ),
    },
  );

  it("each group's mean is over its tasks of each task's mean over seeds, per k", () => {
    const groups = groupResults(report, groupsOf);
    expect(Object.keys(groups)).toEqual(['a', 'b']);
    expect(groups.a!.tasks).toEqual([0, 2]);
    // Task 0: seeds' means 2 and 3; task 2: 6 and 7.
    expect(groups.a!.methods.meta!.mean).toEqual([4, 5]);
    expect(groups.a!.methods.meta!.meanSpeed![0]).toBeCloseTo(0.4, 12);
    expect(groups.b!.methods.meta!.mean).toEqual([20, 30]);
    expect(groups.b!.methods.meta!.meanSpeed).toEqual([2, 3]);
  });

  it('the table has a row a (group, method); no groups, no table', () => {
    const table = groupsTable(groupResults(report, groupsOf), 1);
    expect(table.split('\n')).toEqual([
      '| group | tasks | init | k = 0 | k = 1 | m/s k = 0 | m/s k = 1 |',
      '|---|---|---|---|---|---|---|',
      '| a | 2 | meta | 4.0 | 5.0 | 0.40 | 0.50 |',
      '| b | 1 | meta | 20.0 | 30.0 | 2.00 | 3.00 |',
    ]);
    expect(
      groupsTable(
        groupResults(report, () => []),
        1,
      ),
    ).toBe('');
  });

  it("the crippled-leg line divides each method's speed on crippled tasks by its speed on healthy ones", () => {
    const named = (task: unknown) => [groupsOf(task)[0] === 'a' ? 'healthy' : 'crippled leg'];
    const groups = groupResults(report, named);
    expect(crippledShareLine(groups, 1)).toBe(
      'Speed on crippled-leg tasks / on healthy ones, k = 1: meta 6.00.',
    );
    expect(crippledShareLine(groupResults(report, groupsOf), 1)).toBe('');
  });
});

describe('the share of the gap from pretrained to oracle', () => {
  const constant = (values: number[]) =>
    method(
      tasks.map(() => [values, values]),
      tasks.map(() => [values, values]),
    );

  it('is (meta_k - pretrained_k) / (oracle_0 - pretrained_k) at each k, in return and speed', () => {
    const report = reportFromReturns(
      { env: 'ant', k: 1, heldOutTasks: tasks },
      // The oracle's k = 1 is not used: the oracle before any update is the reference, as in norm.
      { meta: constant([40, 90]), pretrained: constant([20, 20]), oracle: constant([120, 500]) },
    );
    expect(gapClosedLine(report)).toMatch(/k = 0: 0\.20 \(m\/s 0\.20\); k = 1: 0\.70 \(m\/s 0\.70\)\.$/);
  });

  it('says "-" where the oracle is not above pretrained, and nothing without all three methods', () => {
    const report = reportFromReturns(
      { env: 'ant', k: 1, heldOutTasks: tasks },
      { meta: constant([40, 90]), pretrained: constant([20, 20]), oracle: constant([10, 300]) },
    );
    expect(gapClosedLine(report)).toMatch(/k = 0: - \(m\/s -\); k = 1: - \(m\/s -\)\.$/);
    const above = reportFromReturns(
      { env: 'ant', k: 1, heldOutTasks: tasks },
      { meta: constant([40, 90]), pretrained: constant([20, 20]), oracle: constant([30, 30]) },
    );
    expect(gapClosedLine(above)).toMatch(/k = 0: 2\.00 \(m\/s 2\.00\); k = 1: 7\.00 \(m\/s 7\.00\)\.$/);
    const { oracle: _, ...twoMethods } = report.methods;
    expect(gapClosedLine({ ...report, methods: twoMethods })).toBe('');
  });
});
