import { describe, expect, it } from 'vitest';
import { RewardScaler } from '../../src/agents/reward-scaler.js';

/** Population std of xs. */
function std(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

describe('RewardScaler (running std of the discounted return)', () => {
  it('divides rewards by the std of every discounted return seen so far, restarting at episode starts', () => {
    const gamma = 0.9;
    const scaler = new RewardScaler(gamma);
    // Two episodes: [1, 2, 3] and [4, 5].
    const rewards = Float32Array.from([1, 2, 3, 4, 5]);
    const timesteps = Int32Array.from([0, 1, 2, 0, 1]);
    const returns = [1, 1 * gamma + 2, (1 * gamma + 2) * gamma + 3, 4, 4 * gamma + 5];
    const scaled = scaler.scale(rewards, timesteps);
    const s = std(returns);
    expect(scaler.std).toBeCloseTo(s, 6);
    for (let i = 0; i < rewards.length; i++) expect(scaled[i]).toBeCloseTo(rewards[i]! / s, 5);
    // The statistics carry over to the next batch: its rewards are scaled by the std of all returns so far.
    const next = scaler.scale(Float32Array.from([10]), Int32Array.from([0]));
    const all = std([...returns, 10]);
    expect(next[0]).toBeCloseTo(10 / all, 5);
  });

  it('continues from the statistics of an earlier scaler as if it were that scaler', () => {
    const timesteps = Int32Array.from({ length: 30 }, (_, i) => i % 7);
    const batches = [0, 1, 2].map((b) =>
      Float32Array.from({ length: 30 }, (_, i) => Math.cos(i + 10 * b) * (b + 1)),
    );
    const one = new RewardScaler(0.9);
    const straight = batches.map((batch) => one.scale(batch, timesteps));
    const first = new RewardScaler(0.9);
    first.scale(batches[0]!, timesteps);
    const second = new RewardScaler(0.9, first.stats());
    expect(second.scale(batches[1]!, timesteps)).toEqual(straight[1]);
    expect(second.scale(batches[2]!, timesteps)).toEqual(straight[2]);
    expect(second.stats()).toEqual(one.stats());
    expect(one.stats().count).toBe(90);
  });

  it('makes the scaled rewards of a batch independent of the reward scale', () => {
    const timesteps = Int32Array.from({ length: 50 }, (_, i) => i % 10);
    const base = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i) + 0.5);
    const a = new RewardScaler(0.99).scale(base, timesteps);
    const b = new RewardScaler(0.99).scale(
      base.map((r) => r * 1000),
      timesteps,
    );
    for (let i = 0; i < 50; i++) expect(b[i]).toBeCloseTo(a[i]!, 4);
  });
});
