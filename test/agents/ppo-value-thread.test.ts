import { expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { clipScale, ppoAdam } from '../../src/agents/host-adam.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import {
  CTRL,
  inlineValuePart,
  sharedState,
  signal,
  threadValuePart,
  type ValuePart,
  waitFor,
} from '../../src/agents/ppo-value-thread.js';
import { Rng } from '../../src/core/rng.js';

const TERMS = { clipCoef: 0.2, clipVloss: true, entCoef: 0, vfCoef: 0.5, maxGradNorm: 0.5 };

/** Two updates of 2 epochs x 3 minibatches through `part`; the squared norms it reported and the final weights. */
function drive(part: ValuePart, policy: GaussianPolicy) {
  const rng = new Rng(5);
  const n = 12;
  const norms: number[] = [];
  const vLosses: number[] = [];
  for (let update = 0; update < 2; update++) {
    const batch = {
      normObs: Float32Array.from({ length: n * policy.obsDim }, () => rng.normal()),
      returns: Float32Array.from({ length: n }, () => rng.normal() * 3),
      values: Float32Array.from({ length: n }, () => rng.normal()),
      n,
      obsDim: policy.obsDim,
    };
    part.begin(policy, batch, 0.01 / (update + 1), 4);
    for (let epoch = 0; epoch < 2; epoch++) {
      const order = Int32Array.from({ length: n }, (_, i) => (i * 5 + epoch * 7 + update) % n);
      part.epoch(order);
      for (let start = 0; start < n; start += 4) {
        const policySumSq = 0.3 + start / 10; // what the policy half would report
        const own = part.gradient(start, start === 8, policySumSq);
        norms.push(own);
        part.step(clipScale(policySumSq + own, TERMS.maxGradNorm));
      }
    }
    vLosses.push(part.end());
    policy.markUpdated(); // as adapt-loop does after each update
  }
  return { norms, vLosses, params: policy.getParams() };
}

it('the value half gives the same bits in the updating thread and on a thread of its own', async () => {
  await initBackend('wasm');
  const results = [];
  for (const where of ['inline', 'thread'] as const) {
    const policy = GaussianPolicy.create({ hiddenSizes: [16, 16] }, 5, 2, 3);
    const before = policy.getParams();
    const part =
      where === 'inline' ? inlineValuePart(TERMS, ppoAdam(0.01)) : await threadValuePart(policy, TERMS, 0.01);
    results.push(drive(part, policy));
    await part.close();
    // Only the value net moved.
    const after = results[results.length - 1]!.params;
    const firstValue = policy.specs.find((s) => s.name.startsWith('vf/'))!.offset;
    expect(after.subarray(0, firstValue)).toEqual(before.subarray(0, firstValue));
    expect(after.subarray(firstValue)).not.toEqual(before.subarray(firstValue));
    policy.dispose();
  }
  const [inline, thread] = results;
  expect(thread!.norms).toEqual(inline!.norms);
  expect(thread!.vLosses).toEqual(inline!.vLosses);
  expect(thread!.params).toEqual(inline!.params);
  expect(inline!.norms.every((x) => x > 0)).toBe(true);
  expect(inline!.vLosses.every((x) => x > 0)).toBe(true);
});

it('a side waiting on the other reports the error the other side wrote, instead of waiting on', () => {
  const state = sharedState(1);
  state.error.set(new TextEncoder().encode('value net exploded'));
  signal(state, CTRL.error, 1);
  expect(() => waitFor(state, CTRL.workerMb, 1, 'minibatch')).toThrow(
    /PPO value thread failed \(minibatch\): value net exploded/,
  );
  // Without an error, a counter already at the generation asked for returns at once.
  const ok = sharedState(1);
  signal(ok, CTRL.done, 3);
  expect(() => waitFor(ok, CTRL.done, 3, 'end of update')).not.toThrow();
});

it('closing the thread in the middle of an update (the policy half failed) does not hang', async () => {
  await initBackend('wasm');
  const policy = GaussianPolicy.create({ hiddenSizes: [8] }, 3, 1, 0);
  const part = await threadValuePart(policy, TERMS, 0.01);
  const n = 8;
  const batch = {
    normObs: new Float32Array(n * 3).fill(0.5),
    returns: new Float32Array(n).fill(1),
    values: new Float32Array(n),
    n,
    obsDim: 3,
  };
  part.begin(policy, batch, 0.01, 4);
  part.epoch(Int32Array.from({ length: n }, (_, i) => i));
  // The worker now waits for the policy half's first norm, which never comes.
  const started = Date.now();
  await part.close();
  expect(Date.now() - started).toBeLessThan(10_000);
  policy.dispose();
});
