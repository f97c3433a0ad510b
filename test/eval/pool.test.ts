import { describe, expect, it } from 'vitest';
import { assertSameEvalProtocol, poolReports, reportFromReturns } from '../../src/meta/eval/evaluate.js';

/** A hand-made report: returns[task][seed][k] for meta and random on two tasks. */
function report(meta: number[][][], random: number[][][], tasks: unknown[] = ['a', 'b']) {
  return reportFromReturns(
    { env: 'ball-nav', k: 1, heldOutTasks: tasks },
    {
      meta: { returns: meta, envSteps: 10, wallSeconds: 1 },
      random: { returns: random, envSteps: 10, wallSeconds: 1 },
    },
  );
}

describe('pooling the reports of several training seeds', () => {
  it("makes every (run, eval seed) pair one of a task's seeds, and recomputes means and paired differences", () => {
    const seed0 = report([[[1, 3]], [[5, 7]]], [[[0, 1]], [[0, 1]]]);
    const seed1 = report([[[3, 5]], [[7, 13]]], [[[2, 1]], [[2, 3]]]);
    const pooled = poolReports([seed0, seed1]);
    expect(pooled.seeds).toBe(2);
    expect(pooled.methods.meta!.returns[1]).toEqual([
      [5, 7],
      [7, 13],
    ]);
    // Task means at k = 1: (3 + 5) / 2 = 4 and (7 + 13) / 2 = 10; mean 7, t interval 7 +- 12.706 * 3.
    expect(pooled.methods.meta!.mean[1]).toBe(7);
    expect(pooled.methods.meta!.ci95[1]![0]).toBeCloseTo(7 - 12.7062 * 3, 3);
    // Paired meta - random at k = 0: per task (1 - 0 + 3 - 2) / 2 = 1 and (5 - 0 + 7 - 2) / 2 = 5.
    expect(pooled.differences['meta - random']!.mean[0]).toBe(3);
    expect(pooled.methods.meta!.envSteps).toBe(20);
  });

  it('refuses reports of different held-out tasks', () => {
    const a = report([[[1, 1]], [[1, 1]]], [[[0, 0]], [[0, 0]]]);
    const b = report([[[1, 1]], [[1, 1]]], [[[0, 0]], [[0, 0]]], ['a', 'c']);
    expect(() => poolReports([a, b])).toThrow(/reports: expected the same env, reward, k and held-out tasks/);
  });

  it('refuses to pool evals that adapted with different episodes a step or inner learners', () => {
    const vpg = { algo: 'vpg', lr: 0.3 };
    expect(() =>
      assertSameEvalProtocol([
        { name: 'runs/a/eval', episodesPerUpdate: 20, innerLearner: vpg },
        { name: 'runs/b/eval', episodesPerUpdate: 20, innerLearner: { ...vpg } },
        { name: 'runs/old/eval' },
      ]),
    ).not.toThrow();
    expect(() =>
      assertSameEvalProtocol([
        { name: 'runs/a/eval-e20', episodesPerUpdate: 20 },
        { name: 'runs/b/eval', episodesPerUpdate: 10 },
      ]),
    ).toThrow(/pooled evals' episodesPerUpdate: .*runs\/a\/eval-e20: 20; runs\/b\/eval: 10/);
    expect(() =>
      assertSameEvalProtocol([
        { name: 'a', innerLearner: vpg },
        { name: 'b', innerLearner: { ...vpg, lr: 0.1 } },
      ]),
    ).toThrow(/pooled evals' innerLearner/);
    const ppo = { algo: 'ppo', updateEpochs: 10 };
    expect(() => assertSameEvalProtocol([{ name: 'a', baselineLearner: ppo }, { name: 'b' }])).toThrow(
      /pooled evals' baselineLearner: expected one value .*a: .*ppo.*; b: .*run/,
    );
    expect(() =>
      assertSameEvalProtocol([
        { name: 'a', baselineLearner: ppo },
        { name: 'b', baselineLearner: { ...ppo } },
      ]),
    ).not.toThrow();
    // An eval whose meta-init adapted with the whole inner loop does not pool with one that took context steps only.
    expect(() => assertSameEvalProtocol([{ name: 'a', metaLearner: 'inner-loop' }, { name: 'b' }])).toThrow(
      /pooled evals' metaLearner: expected one value .*a: inner-loop; b: run/,
    );
  });

  it('computes norm against an oracle evaluated elsewhere, given by its k = 0 mean', () => {
    const r = report([[[1, 3]], [[5, 7]]], [[[0, 1]], [[0, 1]]]);
    expect(r.methods.meta!.norm).toEqual([null, null]);
    const pooled = poolReports([r]);
    // random at k = 0 is 0; an oracle at 10: meta's means 3 and 5 are 0.3 and 0.5 of the way.
    const withOracle = reportFromReturns(pooled, pooled.methods, 10);
    expect(withOracle.normReference).toEqual({ random0: 0, oracle0: 10 });
    expect(withOracle.methods.meta!.norm).toEqual([0.3, 0.5]);
    expect(withOracle.methods.random!.norm).toEqual([0, 0.1]);
  });
});
