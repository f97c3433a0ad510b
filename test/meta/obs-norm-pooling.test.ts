import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchObsNorm, mergeObsNorm } from '../../src/agents/obs-norm.js';
import { poolObsNorm, unmergeObsNorm } from '../../src/meta/rl-learner.js';

const batch = (rows: number[][]) => Float32Array.from(rows.flat());
const rowsArb = fc.array(
  fc.tuple(fc.float({ min: -50, max: 50, noNaN: true }), fc.float({ min: -5, max: 5, noNaN: true })),
  {
    minLength: 1,
    maxLength: 30,
  },
);

describe('obs-norm pooling across a meta-batch', () => {
  it('pooled statistics equal those of every observation of the init and all tasks together', () => {
    fc.assert(
      fc.property(rowsArb, fc.array(rowsArb, { minLength: 1, maxLength: 5 }), (initRows, taskRows) => {
        const init = batchObsNorm(batch(initRows), 2);
        const adapted = taskRows.map((rows) => mergeObsNorm(init, batchObsNorm(batch(rows), 2)));
        const pooled = poolObsNorm(init, adapted);
        const all = batchObsNorm(batch([...initRows, ...taskRows.flat()]), 2);
        expect(pooled.count).toBe(all.count);
        pooled.mean.forEach((m, j) => {
          expect(m).toBeCloseTo(all.mean[j]!, 3);
        });
        pooled.var.forEach((v, j) => {
          expect(v).toBeCloseTo(all.var[j]!, 1);
        });
      }),
    );
  });

  it('a task that added nothing leaves the statistics unchanged', () => {
    const init = batchObsNorm(
      batch([
        [1, 2],
        [3, 4],
      ]),
      2,
    );
    expect(unmergeObsNorm(init, init).count).toBe(0);
    expect(poolObsNorm(init, [init, init])).toEqual(init);
  });
});
