import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig } from '../../src/meta/config.js';
import { initSineParams } from '../../src/meta/sine.js';
import { initSeed } from '../../src/meta/trainer.js';
import { readMetrics, tempDir, tinyBallNav, tinySine, train } from './helpers.js';

describe('meta-algorithms on the sine toy', () => {
  it('FOMAML steps along the last inner update only: with 1 inner step and eps 1 it equals Reptile', async () => {
    const reptileDir = tempDir();
    const fomamlDir = tempDir();
    const options = {
      iterations: 2,
      outer: { eps0: 1, eps1: 1 },
      inner: { steps: 1, lr: 0.02, points: 10, batchSize: 10 },
    };
    await train(tinySine(options), reptileDir);
    await train(tinySine({ ...options, algo: 'fomaml' }), fomamlDir);
    const a = await loadLatestCheckpoint(reptileDir);
    const b = await loadLatestCheckpoint(fomamlDir);
    b.params.forEach((v, j) => {
      expect(v).toBeCloseTo(a.params[j]!, 6);
    });
  });

  it('FOMAML with several inner steps moves less than Reptile (one update of k)', async () => {
    const reptileDir = tempDir();
    const fomamlDir = tempDir();
    const options = {
      iterations: 1,
      outer: { eps0: 1, eps1: 1 },
      inner: { steps: 5, lr: 0.02, points: 10, batchSize: 10 },
    };
    const config = tinySine(options);
    await train(config, reptileDir);
    await train(tinySine({ ...options, algo: 'fomaml' }), fomamlDir);
    const init = initSineParams([8, 8], initSeed(config));
    const distance = (p: Float32Array) => Math.hypot(...p.map((v, j) => v - init[j]!));
    const reptile = distance((await loadLatestCheckpoint(reptileDir)).params);
    const fomaml = distance((await loadLatestCheckpoint(fomamlDir)).params);
    expect(fomaml).toBeGreaterThan(0);
    expect(fomaml).toBeLessThan(reptile);
  });

  it('pretrain takes inner.steps pooled updates an iteration and logs the return before each', async () => {
    const dir = tempDir();
    await train(tinySine({ algo: 'pretrain', iterations: 2 }), dir);
    const metrics = readMetrics(dir);
    expect(metrics).toHaveLength(2);
    for (const line of metrics) {
      expect(line.taskReturns).toHaveLength(3);
      for (const returns of line.taskReturns) expect(returns).toHaveLength(3);
    }
  });

  it('inner.measureFinal false: the same FOMAML run without the batch after the last update', async () => {
    const measured = tempDir();
    const unmeasured = tempDir();
    const config = tinyBallNav({ algo: 'fomaml' });
    await train(config, measured);
    await train(tinyBallNav({ algo: 'fomaml', inner: { ...config.inner, measureFinal: false } }), unmeasured);
    const [a, b] = [await loadLatestCheckpoint(measured), await loadLatestCheckpoint(unmeasured)];
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(b.obsNorm).toEqual(a.obsNorm);
    const [ma, mb] = [readMetrics(measured), readMetrics(unmeasured)];
    for (const [i, line] of mb.entries()) {
      // 2 tasks x 2 episodes x 20 steps: one batch a task less.
      expect(line.envSteps).toBe(ma[i]!.envSteps - 80);
      expect(line.taskReturns).toEqual(ma[i]!.taskReturns.map((r) => r.slice(0, -1)));
    }
    expect(() =>
      parseTrainConfig({
        ...config,
        algo: 'reptile',
        metaSgd: {},
        inner: { ...config.inner, measureFinal: false },
      }),
    ).toThrow('inner.measureFinal: expected true with algo "reptile" and metaSgd, got false');
  });

  it('explorationTerm adds the sampling term to the FOMAML step, scaled by its weight, and resumes bit-exactly', async () => {
    const base = tinyBallNav({ algo: 'fomaml' });
    const inner = { ...base.inner, measureFinal: false };
    const runWith = async (explorationTerm: number, stopAfter?: number, dir = tempDir()) => {
      await train(tinyBallNav({ algo: 'fomaml', inner, explorationTerm }), dir, { stopAfter });
      return dir;
    };
    const paramsOf = async (dir: string) => Array.from((await loadLatestCheckpoint(dir)).params);
    const [plain, half, full] = [await runWith(0), await runWith(0.5), await runWith(1)];
    const [p0, p1, p2] = [await paramsOf(plain), await paramsOf(half), await paramsOf(full)];
    expect(p1).not.toEqual(p0);
    expect(p2).not.toEqual(p1);
    // The first meta-step is linear in the weight: its three results lie on a line.
    const first = async (w: number) => paramsOf(await runWith(w, 1));
    const [f0, f1, f2] = [await first(0), await first(0.5), await first(1)];
    for (let i = 0; i < f0.length; i++) expect(f1[i]! - f0[i]!).toBeCloseTo((f2[i]! - f0[i]!) / 2, 5);
    const resumed = await runWith(1, 1);
    await train(tinyBallNav({ algo: 'fomaml', inner, explorationTerm: 1 }), resumed, { resume: true });
    expect(await paramsOf(resumed)).toEqual(p2);
  });

  it("sequential pretrain: one policy, batches mixing the meta-batch's tasks, inner.steps updates in a row", async () => {
    const dir = tempDir();
    const config = tinyBallNav({ algo: 'pretrain', pretrainMode: 'sequential', iterations: 2 });
    await train(config, dir);
    const metrics = readMetrics(dir);
    expect(metrics).toHaveLength(2);
    for (const line of metrics) {
      // One job: the returns before each of the 2 updates; 2 updates x 2 episodes x 20 steps, nothing measured after.
      expect(line.taskReturns).toHaveLength(1);
      expect(line.taskReturns[0]).toHaveLength(2);
      expect(line.envSteps).toBe(80);
    }
    const init = await loadLatestCheckpoint(dir);
    expect(init.iteration).toBe(2);
    expect(() => parseTrainConfig({ ...config, metaBatchSize: 3 })).toThrow(
      'metaBatchSize: expected the number of env copies (2) with pretrainMode "sequential" (one task a copy), got 3',
    );
  });
});
