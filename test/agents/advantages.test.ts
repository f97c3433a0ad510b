import { describe, expect, it } from 'vitest';
import { discountedReturns, gae, normalizeAdvantages } from '../../src/agents/advantages.js';

const f32 = (xs: number[]) => Float32Array.from(xs);
const u8 = (xs: number[]) => Uint8Array.from(xs);

describe('advantages', () => {
  // Two episodes: [r=1, r=2 (terminated)] and [r=3, r=4 (truncated, V(final) = 10)].
  const rewards = f32([1, 2, 3, 4]);
  const values = f32([0.5, 1, 1.5, 2]);
  const ends = {
    terminated: u8([0, 1, 0, 0]),
    truncated: u8([0, 0, 0, 1]),
    bootstrapValues: f32([0, 0, 0, 10]),
  };
  const g = 0.9;
  const l = 0.8;

  it('GAE matches a hand computation; the terminated episode does not bootstrap, the truncated one does', () => {
    const d1 = 2 + g * 0 - 1; // terminated: next value 0
    const d0 = 1 + g * 1 - 0.5;
    const d3 = 4 + g * 10 - 2; // truncated: next value V(final) = 10
    const d2 = 3 + g * 2 - 1.5;
    const expected = [d0 + g * l * d1, d1, d2 + g * l * d3, d3];
    const { advantages, returns } = gae(rewards, values, ends, g, l);
    for (const [i, a] of expected.entries()) {
      expect(advantages[i]).toBeCloseTo(a, 5);
      expect(returns[i]).toBeCloseTo(a + values[i]!, 5);
    }
  });

  it('discounted returns bootstrap only at truncation', () => {
    const r = discountedReturns(rewards, ends, g);
    expect(Array.from(r)).toEqual([1 + g * 2, 2, 3 + g * (4 + g * 10), 4 + g * 10].map(Math.fround));
    const terminatedInstead = { ...ends, terminated: u8([0, 1, 0, 1]), truncated: u8([0, 0, 0, 0]) };
    expect(discountedReturns(rewards, terminatedInstead, g)[3]).toBe(4);
  });

  it('normalized advantages have mean 0 and std 1', () => {
    const a = normalizeAdvantages(f32([1, 2, 3, 4, 10]));
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
    expect(mean).toBeCloseTo(0, 6);
    expect(std).toBeCloseTo(1, 5);
  });

  it('a batch that stops mid-episode bootstraps its last step from V(final), as a truncation does', () => {
    const open = { terminated: u8([0, 0]), truncated: u8([0, 0]), bootstrapValues: f32([0, 7]) };
    const truncatedAtEnd = { ...open, truncated: u8([0, 1]) };
    const v = f32([0.5, 1]);
    const d1 = 2 + g * 7 - 1;
    const d0 = 1 + g * 1 - 0.5;
    const { advantages } = gae(f32([1, 2]), v, open, g, l);
    expect(advantages[1]).toBeCloseTo(d1, 5);
    expect(advantages[0]).toBeCloseTo(d0 + g * l * d1, 5);
    expect(Array.from(advantages)).toEqual(Array.from(gae(f32([1, 2]), v, truncatedAtEnd, g, l).advantages));
  });

  it('a truncation inside the batch bootstraps from V(final) and the next episode starts afresh', () => {
    // Episodes [r=1, r=2 (truncated, V(final) = 10)] and [r=3 (terminated)].
    const e = { terminated: u8([0, 0, 1]), truncated: u8([0, 1, 0]), bootstrapValues: f32([0, 10, 0]) };
    const v = f32([0.5, 1, 1.5]);
    const d2 = 3 - 1.5;
    const d1 = 2 + g * 10 - 1;
    const d0 = 1 + g * 1 - 0.5;
    const { advantages, returns } = gae(f32([1, 2, 3]), v, e, g, l);
    const expected = [d0 + g * l * d1, d1, d2];
    for (const [i, a] of expected.entries()) {
      expect(advantages[i]).toBeCloseTo(a, 5);
      expect(returns[i]).toBeCloseTo(a + v[i]!, 5);
    }
  });

  it('normalization divides by std + 1e-8: a spread of 1e-8 gives +-0.5, no spread gives zeros', () => {
    const tiny = Math.fround(2e-8);
    const a = normalizeAdvantages(f32([0, tiny]));
    expect(a[0]).toBeCloseTo(-0.5, 5);
    expect(a[1]).toBeCloseTo(0.5, 5);
    expect(Array.from(normalizeAdvantages(f32([3, 3, 3])))).toEqual([0, 0, 0]);
    expect(normalizeAdvantages(f32([])).length).toBe(0);
  });
});
