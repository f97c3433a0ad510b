import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { clippedSurrogateLoss } from '../../src/agents/ppo-gradient.js';

// A hand-made minibatch, clip coefficient 0.2 (Schulman et al. 2017, eq. 7; here negated, a loss to minimize):
//   per sample  -min(r A, clip(r, 0.8, 1.2) A)  =  max(-r A, -clip(r, 0.8, 1.2) A)
//   r 1.5, A +1: max(-1.5, -1.2) = -1.2   clipped: the policy already gained past 1 + c, no further push
//   r 1.5, A -1: max( 1.5,  1.2) =  1.5   not clipped: a bad action made likelier is always penalized
//   r 0.5, A +1: max(-0.5, -0.8) = -0.5   not clipped: a good action made rarer is always penalized
//   r 0.5, A -1: max( 0.5,  0.8) =  0.8   clipped: the policy already dropped it below 1 - c
//   r 1.1, A +2: inside the clip range: -2.2
// mean = (-1.2 + 1.5 - 0.5 + 0.8 - 2.2) / 5 = -0.32
const RATIOS = [1.5, 1.5, 0.5, 0.5, 1.1];
const ADVANTAGES = [1, -1, 1, -1, 2];
const CLIPPED = [true, false, false, true, false];
const CLIP = 0.2;

describe('the PPO clipped surrogate', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is the mean of max(-A r, -A clip(r, 1 - c, 1 + c)) on a hand-made minibatch', () => {
    const loss = tf.tidy(
      () => clippedSurrogateLoss(tf.tensor1d(RATIOS), tf.tensor1d(ADVANTAGES), CLIP).dataSync()[0]!,
    );
    expect(loss).toBeCloseTo(-0.32, 6);
    // What the wrong objectives give on the same batch: min instead of max -0.56, no clip -0.44.
    expect(Math.abs(loss - -0.56)).toBeGreaterThan(0.1);
    expect(Math.abs(loss - -0.44)).toBeGreaterThan(0.1);
  });

  it('has zero gradient on clipped samples and -A r / n on the others (through r = exp(log ratio))', () => {
    const n = RATIOS.length;
    const grad = tf.tidy(() => {
      const adv = tf.tensor1d(ADVANTAGES);
      const g = tf.grad((logRatio: tf.Tensor) => clippedSurrogateLoss(logRatio.exp(), adv, CLIP));
      return g(tf.tensor1d(RATIOS.map(Math.log))).dataSync();
    });
    for (let i = 0; i < n; i++) {
      const expected = CLIPPED[i] ? 0 : (-ADVANTAGES[i]! * RATIOS[i]!) / n;
      expect(grad[i], `sample ${i}`).toBeCloseTo(expected, 6);
    }
    expect(Array.from(grad).filter((g) => g === 0)).toHaveLength(2);
  });

  it('is the plain policy-gradient surrogate -mean(A r) when no ratio leaves [1 - c, 1 + c]', () => {
    const ratios = [0.9, 1, 1.15];
    const advantages = [3, -2, 0.5];
    const loss = tf.tidy(
      () => clippedSurrogateLoss(tf.tensor1d(ratios), tf.tensor1d(advantages), CLIP).dataSync()[0]!,
    );
    expect(loss).toBeCloseTo(-(0.9 * 3 - 2 + 1.15 * 0.5) / 3, 6);
  });
});
