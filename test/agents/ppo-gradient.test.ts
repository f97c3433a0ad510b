import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import {
  clippedSurrogateLoss,
  type PpoLossTerms,
  type PpoMinibatch,
  ppoGradient,
  ppoLoss,
} from '../../src/agents/ppo-gradient.js';
import { Rng } from '../../src/core/rng.js';
import { maxRelDiff } from './helpers.js';

/**
 * A minibatch whose ratios fall on both sides of the clip (old log-probs are the policy's own plus noise of +-0.6)
 * and whose value changes (old values +-1) fall on both sides of the value clip, with advantages of both signs.
 */
function minibatch(p: GaussianPolicy, n: number, rng: Rng): PpoMinibatch {
  const normal = (k: number) => Float32Array.from({ length: k }, () => rng.normal());
  const obs = tf.tensor2d(normal(n * p.obsDim), [n, p.obsDim]);
  const actions = tf.tensor2d(normal(n * p.actDim), [n, p.actDim]);
  const own = p.logProbTensor(obs, actions).dataSync();
  const values = p.valueTensor(obs).dataSync();
  return {
    obs,
    actions,
    logProbs: tf.tensor1d(own.map((x) => x + (rng.float() - 0.5) * 1.2)),
    advantages: tf.tensor1d(normal(n)),
    returns: tf.tensor1d(normal(n)),
    values: tf.tensor1d(values.map((v) => v + (rng.float() - 0.5) * 2)),
  };
}

const cases: Array<[string, 'tanh' | 'relu', PpoLossTerms]> = [
  ['tanh, value clipping', 'tanh', { clipCoef: 0.2, clipVloss: true, entCoef: 0, vfCoef: 0.5 }],
  [
    'relu, no value clipping, entropy bonus',
    'relu',
    { clipCoef: 0.2, clipVloss: false, entCoef: 0.01, vfCoef: 0.5 },
  ],
  ['tanh, wide clip, vfCoef 1', 'tanh', { clipCoef: 0.5, clipVloss: true, entCoef: 0.003, vfCoef: 1 }],
];

it.each(['wasm', 'cpu'] as const)(
  'on %s, the hand-written PPO gradient equals the tape gradient of the same loss for every variable',
  async (backend) => {
    await initBackend(backend);
    for (const [name, activation, terms] of cases) {
      const p = GaussianPolicy.create({ hiddenSizes: [32, 16], activation, initLogStd: -0.3 }, 11, 3, 5);
      const rng = new Rng(9);
      const mb = minibatch(p, 97, rng);
      const { ratio, valueDelta } = tf.tidy(() => ({
        ratio: p.logProbTensor(mb.obs, mb.actions).sub(mb.logProbs).exp().dataSync(),
        valueDelta: p.valueTensor(mb.obs).sub(mb.values).dataSync(),
      }));
      // The cases reach every branch: ratios inside and outside the clip, value changes inside and outside theirs.
      const outside = ratio.filter((r) => Math.abs(r - 1) > terms.clipCoef).length;
      expect(outside, name).toBeGreaterThan(10);
      expect(outside, name).toBeLessThan(87);
      const vOutside = valueDelta.filter((d) => Math.abs(d) > terms.clipCoef).length;
      expect(vOutside, name).toBeGreaterThan(10);
      expect(vOutside, name).toBeLessThan(87);

      const tape = tf.tidy(() => tf.variableGrads(() => ppoLoss(p, mb, terms), p.variables).grads);
      const hand = tf.tidy(() => ppoGradient(p, mb, terms, false).grads);
      p.variables.forEach((v, i) => {
        const label = `${name}: ${p.specs[i]!.name}`;
        const [a, b] = [tape[v.name]!.dataSync() as Float32Array, hand[v.name]!.dataSync() as Float32Array];
        expect(b.length, label).toBe(a.length);
        expect(maxRelDiff(a, b), label).toBeLessThan(2e-5);
        expect(Math.max(...a.map(Math.abs)), `${label} is not all zero`).toBeGreaterThan(0);
      });
      tf.dispose([Object.values(tape), Object.values(hand), Object.values(mb)]);
      p.dispose();
    }
  },
);

it("its statistics are the tape version's: pgLoss, vLoss, entropy, approx KL and clip fraction", async () => {
  await initBackend('wasm');
  const p = GaussianPolicy.create({ hiddenSizes: [16], initLogStd: 0.2 }, 7, 2, 1);
  const terms = { clipCoef: 0.2, clipVloss: true, entCoef: 0, vfCoef: 0.5 };
  const mb = minibatch(p, 64, new Rng(4));
  const stats = tf.tidy(() => ppoGradient(p, mb, terms, true).stats!.dataSync());
  const expected = tf.tidy(() => {
    const logRatio = p.logProbTensor(mb.obs, mb.actions).sub(mb.logProbs);
    const ratio = logRatio.exp();
    const total = ppoLoss(p, mb, terms).dataSync()[0]!;
    const pg = clippedSurrogateLoss(ratio, mb.advantages, terms.clipCoef).dataSync()[0]!;
    return [
      pg,
      (total - pg) / terms.vfCoef,
      p.entropyTensor().dataSync()[0]!,
      ratio.sub(1).sub(logRatio).mean().dataSync()[0]!,
      ratio.sub(1).abs().greater(terms.clipCoef).cast('float32').mean().dataSync()[0]!,
    ];
  });
  expected.forEach((e, i) => {
    expect(stats[i]!, `stat ${i}`).toBeCloseTo(e, 5);
  });
  expect(expected[4]!).toBeGreaterThan(0.1); // some ratios are clipped, so the clip fraction is tested
});
