import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import {
  DEFAULT_DYNAMICS_RANGES,
  DEFAULT_SPLIT,
  DEFAULT_TERRAIN_RANGES,
  dynamicsSchema,
  leggedDynamicsSchema,
  makeTaskDistribution,
  NOMINAL_DYNAMICS,
  rangeSchema,
  resolveSplit,
  sampleDynamics,
  sampleTerrain,
} from '../../src/envs/task.js';

// makeTaskDistribution's contract over the simplest task there is: one number drawn from the generator.
const draw = (rng: Rng) => ({ x: rng.float() });
const firstDraws = (seed: number, n: number) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => draw(rng));
};
const SPLIT = { splitSeed: 11, trainSize: 5, testSize: 3 };

describe('a task distribution with a seeded split', () => {
  const dist = makeTaskDistribution('toy', draw, SPLIT, { sampleOne: draw, size: 4 });

  it('samples n tasks of the whole distribution from the seed alone', () => {
    expect(dist.sample(4, 7)).toEqual(firstDraws(7, 4));
    expect(dist.sample(0, 7)).toEqual([]);
    expect(dist.sample(2, 8)).not.toEqual(dist.sample(2, 7));
    expect([dist.env, dist.trainSize, dist.testSize, dist.harderSize]).toEqual(['toy', 5, 3, 4]);
  });

  it('the test pool is the first testSize draws of splitSeed, the training pool the next trainSize', () => {
    const drawn = firstDraws(SPLIT.splitSeed, 8);
    expect(dist.testTasks(3)).toEqual(drawn.slice(0, 3));
    expect(dist.testTasks(1)).toEqual(drawn.slice(0, 1));
    const train = new Set(dist.sampleTrain(400, 1).map((t) => t.x));
    expect(train).toEqual(new Set(drawn.slice(3).map((t) => t.x)));
  });

  it('draws training tasks with replacement, the same for the same seed, other ones for another', () => {
    const a = dist.sampleTrain(20, 3);
    expect(dist.sampleTrain(20, 3)).toEqual(a);
    expect(dist.sampleTrain(20, 4)).not.toEqual(a);
    expect(new Set(a.map((t) => t.x)).size).toBeLessThan(20);
  });

  it('hands out copies: changing a task changes no pool', () => {
    const [test] = dist.testTasks(1);
    test!.x = 99;
    const [train] = dist.sampleTrain(1, 5);
    const again = dist.sampleTrain(1, 5)[0]!.x;
    train!.x = 99;
    const [harder] = dist.harderTasks(1);
    harder!.x = 99;
    expect(dist.testTasks(1)[0]!.x).not.toBe(99);
    expect(dist.sampleTrain(1, 5)[0]!.x).toBe(again);
    expect(dist.harderTasks(1)[0]!.x).not.toBe(99);
  });

  it('the harder pool is its own fixed draw, apart from the train and test pools', () => {
    const harder = dist.harderTasks(4);
    expect(dist.harderTasks(2)).toEqual(harder.slice(0, 2));
    const split = new Set(firstDraws(SPLIT.splitSeed, 8).map((t) => t.x));
    expect(harder.filter((t) => split.has(t.x))).toEqual([]);
    const other = makeTaskDistribution(
      'toy',
      draw,
      { ...SPLIT, splitSeed: 12 },
      { sampleOne: draw, size: 4 },
    );
    expect(other.harderTasks(4)).not.toEqual(harder);
  });

  it('refuses counts that are not whole, negative or past the pool, naming the field and the bound', () => {
    expect(() => dist.sample(-1, 0)).toThrow('n: expected an integer in [0, Infinity], got -1');
    expect(() => dist.sampleTrain(1.5, 0)).toThrow('n: expected an integer in [0, Infinity], got 1.5');
    expect(() => dist.testTasks(4)).toThrow('tasks: expected an integer in [0, 3], got 4');
    expect(dist.testTasks(0)).toEqual([]);
    expect(() => dist.harderTasks(5)).toThrow('tasks: expected an integer in [0, 4], got 5');
    const plain = makeTaskDistribution('toy', draw, SPLIT);
    expect(plain.harderSize).toBe(0);
    expect(() => plain.harderTasks(1)).toThrow(
      '--split: expected a run whose tasks define a harder split (tasks.harder); these toy tasks have none: use --split test, got "harder"',
    );
  });

  it('split options default field by field', () => {
    expect(resolveSplit({})).toEqual(DEFAULT_SPLIT);
    expect(resolveSplit({ testSize: 7 })).toEqual({ ...DEFAULT_SPLIT, testSize: 7 });
    expect(resolveSplit({ splitSeed: 0, trainSize: 2 })).toEqual({
      ...DEFAULT_SPLIT,
      splitSeed: 0,
      trainSize: 2,
    });
    const byDefault = makeTaskDistribution('toy', draw);
    expect([byDefault.trainSize, byDefault.testSize]).toEqual([1000, 100]);
    expect(byDefault.testTasks(2)).toEqual(firstDraws(DEFAULT_SPLIT.splitSeed, 2));
  });
});

describe('sampled dynamics and terrain', () => {
  const within = (v: number, [lo, hi]: readonly [number, number]) => v >= lo && v <= hi;

  it('each dynamics field is drawn in its own range; equal ends fix it', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) {
      const d = sampleDynamics(rng, DEFAULT_DYNAMICS_RANGES, ['torso']);
      for (const field of [
        'massScale',
        'friction',
        'motorStrength',
        'jointDamping',
        'gravityScale',
      ] as const) {
        expect(within(d[field], DEFAULT_DYNAMICS_RANGES[field]), field).toBe(true);
      }
      expect(d.bodyMassScale).toBeUndefined();
    }
    const fixed = {
      ...DEFAULT_DYNAMICS_RANGES,
      friction: [0.25, 0.25] as const,
      gravityScale: [2, 2] as const,
    };
    const d = sampleDynamics(new Rng(4), fixed);
    expect([d.friction, d.gravityScale]).toEqual([0.25, 2]);
    expect(d.massScale).not.toBe(d.friction);
  });

  it('per-body masses: one scale per named body in the mass range, none without bodies', () => {
    const ranges = { ...DEFAULT_DYNAMICS_RANGES, massScale: [0.5, 0.6] as const, perBodyMass: true };
    const d = sampleDynamics(new Rng(5), ranges, ['torso', 'thigh']);
    expect(Object.keys(d.bodyMassScale!)).toEqual(['torso', 'thigh']);
    for (const scale of Object.values(d.bodyMassScale!)) expect(within(scale, [0.5, 0.6])).toBe(true);
    expect(d.bodyMassScale!.torso).not.toBe(d.bodyMassScale!.thigh);
    expect(sampleDynamics(new Rng(5), ranges).bodyMassScale).toBeUndefined();
  });

  it('terrain: every kind listed is drawn, each with its parameters in range', () => {
    const rng = new Rng(6);
    const seen = new Set<string>();
    const r = DEFAULT_TERRAIN_RANGES;
    for (let i = 0; i < 200; i++) {
      const t = sampleTerrain(rng, r);
      seen.add(t.kind);
      if (t.kind === 'flat') expect(Object.keys(t)).toEqual(['kind']);
      if (t.kind === 'slope') expect(within(t.angle, r.slopeAngle)).toBe(true);
      if (t.kind === 'stairs') {
        expect(within(t.stepHeight, r.stepHeight) && within(t.stepWidth, r.stepWidth)).toBe(true);
      }
      if (t.kind === 'rough') {
        expect(within(t.amplitude, r.roughAmplitude) && within(t.scale, r.roughScale)).toBe(true);
        expect(Number.isInteger(t.seed)).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual(['flat', 'rough', 'slope', 'stairs']);
    const only = { ...r, kinds: ['stairs'] as const };
    expect(new Set(Array.from({ length: 20 }, () => sampleTerrain(rng, only).kind))).toEqual(
      new Set(['stairs']),
    );
  });

  it('schemas: the nominal dynamics pass, values out of range and unknown fields do not', () => {
    expect(dynamicsSchema.parse(NOMINAL_DYNAMICS)).toEqual(NOMINAL_DYNAMICS);
    for (const bad of [{ massScale: 0.05 }, { friction: -0.1 }, { gravityScale: 3.5 }, { extra: 1 }]) {
      expect(dynamicsSchema.safeParse({ ...NOMINAL_DYNAMICS, ...bad }).success, JSON.stringify(bad)).toBe(
        false,
      );
    }
    expect(leggedDynamicsSchema.safeParse({ ...NOMINAL_DYNAMICS, crippledLeg: 7 }).success).toBe(true);
    expect(leggedDynamicsSchema.safeParse({ ...NOMINAL_DYNAMICS, crippledLeg: null }).success).toBe(true);
    expect(leggedDynamicsSchema.safeParse({ ...NOMINAL_DYNAMICS, crippledLeg: 8 }).success).toBe(false);
    expect(rangeSchema(0, 2).safeParse([0.5, 1]).success).toBe(true);
    expect(rangeSchema(0, 2).safeParse([1, 1]).success).toBe(true);
    const reversed = rangeSchema(0, 2).safeParse([1, 0.5]);
    expect(reversed.success).toBe(false);
    // The refusal says what a range must be.
    expect(reversed.error?.issues[0]?.message).toContain('low <= high');
    expect(rangeSchema(0, 2).safeParse([0, 3]).success).toBe(false);
  });
});
