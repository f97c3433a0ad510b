import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { TerrariumError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';

const OBS = 27;
const ACT = 8;

function randomObs(rows: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * OBS }, () => rng.normal() * 2);
}

function expectClose(a: Float32Array, b: Float32Array, tol: number) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('GaussianPolicy', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'terrarium-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('flat params round-trip and count every weight including the log-std', () => {
    const a = GaussianPolicy.create({ hiddenSizes: [64, 64] }, OBS, ACT, 1);
    const expected =
      OBS * 64 + 64 + 64 * 64 + 64 + 64 * ACT + ACT + ACT + (OBS * 64 + 64 + 64 * 64 + 64 + 64 + 1);
    expect(a.numParams).toBe(expected);
    const b = GaussianPolicy.create({ hiddenSizes: [64, 64] }, OBS, ACT, 2);
    b.setParams(a.getParams());
    expect(b.getParams()).toEqual(a.getParams());
    const obs = randomObs(4, 3);
    expect(b.meanActions(obs, 'tfjs')).toEqual(a.meanActions(obs, 'tfjs'));
    const logStd = a.specs.find((s) => s.name === 'pi/log_std')!;
    expect(Array.from(a.getParams().subarray(logStd.offset, logStd.offset + ACT))).toEqual(
      new Array(ACT).fill(0), // initLogStd defaults to 0 (std 1), as CleanRL's
    );
    expect(() => b.setParams(new Float32Array(3))).toThrow(TerrariumError);
    a.dispose();
    b.dispose();
  });

  it('a clone is independent of its original', () => {
    const a = GaussianPolicy.create({}, OBS, ACT, 1);
    a.updateObsNorm(randomObs(50, 4));
    const b = a.clone();
    expect(b.getParams()).toEqual(a.getParams());
    expect(b.getObsNorm()).toEqual(a.getObsNorm());
    const before = a.getParams();
    const changed = b.getParams().map((x) => x + 1);
    b.setParams(changed);
    b.updateObsNorm(randomObs(50, 5));
    expect(a.getParams()).toEqual(before);
    expect(a.getObsNorm()).not.toEqual(b.getObsNorm());
    b.dispose();
    expect(a.meanActions(randomObs(1, 6)).length).toBe(ACT);
    a.dispose();
  });

  it('the typed-array forward equals the tfjs forward (means and values, tanh and relu)', () => {
    for (const activation of ['tanh', 'relu'] as const) {
      const p = GaussianPolicy.create({ activation, hiddenSizes: [64, 64] }, OBS, ACT, 7);
      // Make the mean head non-trivial and the normalization active.
      p.setParams(p.getParams().map((x, i) => x + 0.05 * Math.sin(i)));
      p.updateObsNorm(randomObs(100, 8));
      for (const rows of [1, 16]) {
        const obs = randomObs(rows, 9 + rows);
        expectClose(p.meanActions(obs, 'typed'), p.meanActions(obs, 'tfjs'), 1e-5);
        expectClose(p.values(obs, 'typed'), p.values(obs, 'tfjs'), 1e-4);
      }
      p.dispose();
    }
  });

  it('act samples around the mean; log-probs match the tfjs log-density; deterministic gives the mean', () => {
    const p = GaussianPolicy.create({}, OBS, ACT, 3);
    const obs = randomObs(32, 10);
    const out = p.act(obs, new Rng(1));
    const det = p.act(obs, new Rng(1), true);
    expect(det.actions).toEqual(det.means);
    const tfLogProbs = tf.tidy(() =>
      p
        .logProbTensor(tf.tensor2d(p.normalize(obs), [32, OBS]), tf.tensor2d(out.actions, [32, ACT]))
        .dataSync(),
    );
    expectClose(out.logProbs, tfLogProbs as Float32Array, 1e-3);
    // Same rng seed, same samples; batch 1 (typed path) agrees with the tfjs path.
    expect(p.act(obs, new Rng(1)).actions).toEqual(out.actions);
    const one = p.act(obs.subarray(0, OBS), new Rng(5), false, { path: 'typed' });
    const oneTf = p.act(obs.subarray(0, OBS), new Rng(5), false, { path: 'tfjs' });
    expectClose(one.actions, oneTf.actions, 1e-5);
    p.dispose();
  });

  it('save then load gives the same policy; loading into other dims names both shapes', async () => {
    const p = GaussianPolicy.create({ hiddenSizes: [32], activation: 'relu', initLogStd: -1 }, OBS, ACT, 11);
    p.updateObsNorm(randomObs(20, 12));
    await p.save(join(dir, 'a'));
    const q = await GaussianPolicy.load(join(dir, 'a'));
    expect(q.config).toEqual(p.config);
    expect(q.getParams()).toEqual(p.getParams());
    expect(q.getObsNorm()).toEqual(p.getObsNorm());
    const obs = randomObs(3, 13);
    expect(q.meanActions(obs)).toEqual(p.meanActions(obs));
    await expect(GaussianPolicy.load(join(dir, 'a'), { obsDim: 17, actDim: 6 })).rejects.toThrow(
      /obs 27, act 8.*obs 17, act 6|obs 17, act 6.*obs 27, act 8/,
    );
    await expect(GaussianPolicy.load(join(dir, 'missing'))).rejects.toThrow(TerrariumError);
    p.dispose();
    q.dispose();
  });

  it('saving over a policy directory replaces it whole and leaves no temporary files', async () => {
    const a = GaussianPolicy.create({}, 4, 2, 1);
    const b = GaussianPolicy.create({}, 4, 2, 2);
    const target = join(dir, 'over');
    await a.save(target);
    await b.save(target);
    const loaded = await GaussianPolicy.load(target);
    expect(loaded.getParams()).toEqual(b.getParams());
    expect((await readdir(target)).sort()).toEqual(['policy.json', 'weights.bin']);
    for (const p of [a, b, loaded]) p.dispose();
  });

  it('rejects a bad config naming the field', () => {
    expect(() => GaussianPolicy.create({ activation: 'sigmoid' as never }, 4, 2, 0)).toThrow(
      /policy\.activation/,
    );
    expect(() => GaussianPolicy.create({ hiddenSizes: [0] }, 4, 2, 0)).toThrow(/policy\.hiddenSizes\.0/);
  });
});
