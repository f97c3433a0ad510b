import { describe, expect, it } from 'vitest';
import { deriveSeed } from '../../src/core/rng.js';
import { linearEps, reptileStep } from '../../src/meta/reptile.js';
import { adaptSine, initSineParams, sineLoss, sineTaskDistribution } from '../../src/meta/sine.js';

const hidden = [40, 40];

describe('sine regression toy', () => {
  it('backprop matches finite differences', () => {
    const params = initSineParams(hidden, 3);
    const xs = [0.3, -1.2, 2];
    const ys = [1, 0.5, -0.7];
    const grad = new Float64Array(params.length);
    sineLoss(params, hidden, xs, ys, grad);
    for (const j of [0, 7, 60, 500, 1700, params.length - 1]) {
      const q = Float32Array.from(params);
      const h = 1e-2;
      q[j]! += h;
      const plus = sineLoss(q, hidden, xs, ys);
      q[j]! -= 2 * h;
      const minus = sineLoss(q, hidden, xs, ys);
      expect(grad[j]!).toBeCloseTo((plus - minus) / (2 * h), 3);
    }
  });

  it('Reptile meta-init fits a new sine after 32 steps on 10 points far better than a random init', () => {
    const distribution = sineTaskDistribution();
    const train = { hidden, steps: 10, lr: 0.02, points: 50, batchSize: 10 };
    const iterations = 200;
    let theta = initSineParams(hidden, 0);
    for (let it = 0; it < iterations; it++) {
      const [task] = distribution.sampleTrain(1, deriveSeed(0, it));
      const adapted = adaptSine(theta, task!, train, deriveSeed(1, it));
      theta = reptileStep(theta, [adapted.params], linearEps(1, 0, it, iterations));
    }
    const test = { hidden, steps: 32, lr: 0.02, points: 10, batchSize: 10 };
    const tasks = distribution.testTasks(20);
    const mse = (init: Float32Array) =>
      tasks.reduce((sum, task, i) => sum - adaptSine(init, task, test, i).returns[32]!, 0) / tasks.length;
    const meta = mse(theta);
    const random = mse(initSineParams(hidden, 0));
    expect(meta).toBeLessThan(0.5 * random);
  });
});
