import type { RandomGenerator } from 'pure-rand';
import { xoroshiro128plus } from 'pure-rand';

/**
 * Seeded random numbers (pure-rand's xoroshiro128+), the only source of randomness in Terrarium.
 * Its state is a few integers, so it can be checkpointed and restored exactly.
 */
export class Rng {
  private gen: RandomGenerator;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.gen = xoroshiro128plus.fromState(mixedState(seed));
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.gen = xoroshiro128plus.fromState(state.gen);
    rng.spareNormal = state.spareNormal;
    return rng;
  }

  getState(): RngState {
    return { gen: [...this.gen.getState()], spareNormal: this.spareNormal };
  }

  /** Uniform integer in [0, 2^32). */
  uint32(): number {
    return this.gen.unsafeNext() >>> 0;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** A new 31-bit seed drawn from this stream (for child generators). */
  seed(): number {
    return this.uint32() % 2147483647;
  }
}

export interface RngState {
  gen: number[];
  spareNormal: number | null;
}

/**
 * The generator's 128-bit state from a seed, through splitmix32 (a Weyl sequence and murmur3's finalizer).
 * pure-rand's own seeding puts the seed into the state as is: the first output of every seed >= 0 is then above
 * 2^32 - 2^31 (a first float of ~1.0) and nearby seeds give nearly equal early draws. The finalizer is a bijection,
 * so the four words are distinct and never all zero (xoroshiro's one forbidden state).
 */
function mixedState(seed: number): number[] {
  let x = seed | 0;
  const next = () => {
    x = (x + 0x9e3779b9) | 0;
    let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  return [next(), next(), next(), next()];
}

/** Mixes integers into one 31-bit seed (splitmix-style), so derived seeds do not depend on call order. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) % 2147483647;
}
