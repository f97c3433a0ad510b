import { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { deriveSeed, Rng } from '../core/rng.js';
import { type Curriculum, poolCurriculum, type TaskCurriculum } from './curriculum.js';
import { TERRAIN_KINDS, type Terrain, type TerrainKind } from './terrain.js';

/** Dynamics every env can randomize; scales multiply the robot spec's nominal values. */
export const dynamicsSchema = z
  .object({
    /** Scales every body's mass. */
    massScale: z.number().min(0.1).max(10),
    /** Per-body mass scales (by body name), on top of `massScale`. */
    bodyMassScale: z.record(z.string(), z.number().min(0.1).max(10)).optional(),
    /** Coulomb friction coefficient between the robot and the ground. */
    friction: z.number().min(0).max(5),
    /** Scales the motors' torque (or, for ball-nav, the pushing force). */
    motorStrength: z.number().min(0).max(5),
    /** Scales the spec's joint damping. */
    jointDamping: z.number().min(0).max(10),
    /** Scales gravity (1 = 9.81 m/s^2). */
    gravityScale: z.number().min(0).max(3),
  })
  .strict();

export type Dynamics = z.infer<typeof dynamicsSchema>;

/** Most legs a crippled-leg task can name (the oracle observes the crippled leg as a one-hot of this length). */
export const MAX_LEGS = 8;

/** A legged robot's dynamics: those of every env, and a leg that may have lost its motors. */
export const leggedDynamicsSchema = dynamicsSchema
  .extend({
    /**
     * Index in robotLegs(spec) (legs.ts) of the leg whose motors give no torque (its passive damping stays); null:
     * every leg works. Absent in tasks of distributions without `crippleProbability`, whose oracle features it leaves
     * unchanged.
     */
    crippledLeg: z
      .number()
      .int()
      .min(0)
      .max(MAX_LEGS - 1)
      .nullable()
      .optional(),
  })
  .strict();

export type LeggedDynamics = z.infer<typeof leggedDynamicsSchema>;

export const NOMINAL_DYNAMICS: Dynamics = {
  massScale: 1,
  friction: 1,
  motorStrength: 1,
  jointDamping: 1,
  gravityScale: 1,
};

export type Range = readonly [number, number];

/** Sampling ranges for dynamics; a range with equal ends fixes the value. */
export interface DynamicsRanges {
  massScale: Range;
  friction: Range;
  motorStrength: Range;
  jointDamping: Range;
  gravityScale: Range;
  /** Also draw an independent scale per body, in `massScale`'s range. */
  perBodyMass: boolean;
}

export const DEFAULT_DYNAMICS_RANGES: DynamicsRanges = {
  massScale: [0.7, 1.3],
  friction: [0.5, 1.25],
  motorStrength: [0.8, 1.2],
  jointDamping: [0.5, 1.5],
  gravityScale: [0.9, 1.1],
  perBodyMass: false,
};

export function sampleDynamics(
  rng: Rng,
  ranges: DynamicsRanges,
  bodyNames: readonly string[] = [],
): Dynamics {
  const dynamics: Dynamics = {
    massScale: rng.uniform(...ranges.massScale),
    friction: rng.uniform(...ranges.friction),
    motorStrength: rng.uniform(...ranges.motorStrength),
    jointDamping: rng.uniform(...ranges.jointDamping),
    gravityScale: rng.uniform(...ranges.gravityScale),
  };
  if (ranges.perBodyMass && bodyNames.length > 0) {
    dynamics.bodyMassScale = Object.fromEntries(
      bodyNames.map((name) => [name, rng.uniform(...ranges.massScale)]),
    );
  }
  return dynamics;
}

/** Sampling ranges for terrain: which kinds, and each kind's parameters. */
export interface TerrainRanges {
  kinds: readonly TerrainKind[];
  slopeAngle: Range;
  stepHeight: Range;
  stepWidth: Range;
  roughAmplitude: Range;
  roughScale: Range;
}

export const DEFAULT_TERRAIN_RANGES: TerrainRanges = {
  kinds: TERRAIN_KINDS,
  slopeAngle: [-0.15, 0.15],
  stepHeight: [0.03, 0.1],
  stepWidth: [0.5, 1.2],
  roughAmplitude: [0.03, 0.12],
  roughScale: [0.8, 3],
};

export function sampleTerrain(rng: Rng, ranges: TerrainRanges): Terrain {
  const kind = ranges.kinds[rng.int(ranges.kinds.length)]!;
  switch (kind) {
    case 'flat':
      return { kind };
    case 'slope':
      return { kind, angle: rng.uniform(...ranges.slopeAngle) };
    case 'stairs':
      return {
        kind,
        stepHeight: rng.uniform(...ranges.stepHeight),
        stepWidth: rng.uniform(...ranges.stepWidth),
      };
    case 'rough':
      return {
        kind,
        amplitude: rng.uniform(...ranges.roughAmplitude),
        scale: rng.uniform(...ranges.roughScale),
        seed: rng.seed(),
      };
  }
}

/**
 * Tasks that are either drawn at will or taken from a fixed, seeded train/test split, and optionally a third
 * "harder" pool drawn from other ranges (values outside the training ones, reported apart).
 */
export interface TaskDistribution<Task> {
  readonly env: string;
  /** n fresh tasks from the whole distribution. */
  sample(n: number, seed: number): Task[];
  /** n tasks drawn (with replacement) from the training pool; never a test task. */
  sampleTrain(n: number, seed: number): Task[];
  /** The first n tasks of the held-out test pool (the same for every seed). */
  testTasks(n: number): Task[];
  /** The first n tasks of the harder held-out pool; throws (naming `--split`) when the distribution has none. */
  harderTasks(n: number): Task[];
  readonly trainSize: number;
  readonly testSize: number;
  /** Size of the harder pool; 0 when the distribution has none. */
  readonly harderSize: number;
  /** The training pool in difficulty levels (`tasks.curriculum`, curriculum.ts); null: uniform sampling only. */
  readonly curriculum: TaskCurriculum<Task> | null;
  /**
   * The groups eval reports a held-out task in apart (e.g. "crippled leg", "outside training: friction"); none for
   * distributions without such groups.
   */
  groupsOf(task: Task): string[];
}

/** Task options that shape only the harder held-out pool: the training and test tasks do not depend on them. */
const HARDER_POOL_FIELDS = ['harder', 'harderPick', 'harderSize'];

/**
 * A distribution's options without those that shape only the harder pool: two runs whose tasks agree on these
 * trained on the same tasks (a baseline trained before a harder pool was added still fits the run).
 */
export function trainingTaskOptions(options: unknown): unknown {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return options;
  return Object.fromEntries(Object.entries(options).filter(([field]) => !HARDER_POOL_FIELDS.includes(field)));
}

/** A harder held-out pool: `size` tasks of `sampleOne`, drawn from their own seed. */
export interface HarderPool<Task> {
  sampleOne: (rng: Rng) => Task;
  size: number;
}

/**
 * Meta-training draws a share of its tasks from one part of the training pool (the crippled-leg tasks, say) and the
 * rest from the others, instead of uniformly: the pools, the split and the held-out tasks stay as they were. `field`
 * names the config option in errors.
 */
export interface TrainShare<Task> {
  share: number;
  member: (task: Task) => boolean;
  field: string;
}

/** The training pool split into `share`'s members and the others; refuses a share that would draw from an empty part. */
function sharedParts<Task>(
  share: TrainShare<Task>,
  train: Task[],
): { share: number; members: Task[]; others: Task[] } {
  const members = train.filter(share.member);
  const others = train.filter((task) => !share.member(task));
  const empty = members.length === 0 ? 'none of' : others.length === 0 ? 'all' : null;
  if (empty && share.share > 0 && share.share < 1) {
    throw new TerrariumError(
      share.field,
      share.share,
      `0 or 1: ${empty} the ${train.length} training tasks are of its kind`,
    );
  }
  return { share: share.share, members, others };
}

/** Mixed with splitSeed into the harder pool's seed, so the train and test pools stay the splitSeed draws. */
const HARDER_SEED_SALT = 0x4a2d;

export interface SplitOptions {
  /** Seed of the split itself: the pools depend on it alone. */
  splitSeed: number;
  trainSize: number;
  testSize: number;
}

export const DEFAULT_SPLIT: SplitOptions = { splitSeed: 20180308, trainSize: 1000, testSize: 100 };

/** A `[low, high]` range option of a distribution, each end within [min, max]. */
export function rangeSchema(min: number, max: number) {
  return z
    .tuple([z.number().min(min).max(max), z.number().min(min).max(max)])
    .refine(([a, b]) => a <= b, 'a range [low, high] with low <= high');
}

/** The split fields every distribution's options share (see `resolveSplit`). */
/** Pool sizes are at most 100,000 tasks each (a task is a few hundred bytes; both pools are held). */
export const splitOptionFields = {
  splitSeed: z.number().int().min(-2147483648).max(2147483647).optional(),
  trainSize: z.number().int().min(1).max(100_000).optional(),
  testSize: z.number().int().min(1).max(100_000).optional(),
};

/** The split options given, each missing one from DEFAULT_SPLIT. */
export function resolveSplit(options: Partial<SplitOptions>): SplitOptions {
  return {
    splitSeed: options.splitSeed ?? DEFAULT_SPLIT.splitSeed,
    trainSize: options.trainSize ?? DEFAULT_SPLIT.trainSize,
    testSize: options.testSize ?? DEFAULT_SPLIT.testSize,
  };
}

/** A curriculum's options and how hard a task is, in [0, 1]. */
export interface CurriculumSpec<Task> {
  options: Curriculum;
  difficulty: (task: Task) => number;
}

/**
 * Builds a distribution from a sampler of one task; the split is two disjoint pools drawn from `splitSeed`, and
 * `harder` (if given) a third pool drawn from deriveSeed(splitSeed, HARDER_SEED_SALT). With `curriculum` the training
 * pool is also sampled by level (built, and its bands checked, here).
 */
export function makeTaskDistribution<Task>(
  env: string,
  sampleOne: (rng: Rng) => Task,
  split: SplitOptions = DEFAULT_SPLIT,
  harder?: HarderPool<Task>,
  curriculum?: CurriculumSpec<Task>,
  groupsOf: (task: Task) => string[] = () => [],
  trainShare?: TrainShare<Task>,
): TaskDistribution<Task> {
  let pools: { train: Task[]; test: Task[] } | null = null;
  const getPools = () => {
    if (!pools) {
      const rng = new Rng(split.splitSeed);
      const all = Array.from({ length: split.trainSize + split.testSize }, () => sampleOne(rng));
      pools = { test: all.slice(0, split.testSize), train: all.slice(split.testSize) };
    }
    return pools;
  };
  const checkCount = (n: number, field: string, max = Number.POSITIVE_INFINITY) => {
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new TerrariumError(field, n, `an integer in [0, ${max}]`);
  };
  let harderPool: Task[] | null = null;
  const getHarderPool = (h: HarderPool<Task>) => {
    if (!harderPool) {
      const rng = new Rng(deriveSeed(split.splitSeed, HARDER_SEED_SALT));
      harderPool = Array.from({ length: h.size }, () => h.sampleOne(rng));
    }
    return harderPool;
  };
  // Split when the distribution is made (a config loads), so a pool lacking a kind is refused before any training.
  const parts = trainShare && sharedParts(trainShare, getPools().train);
  const levels = curriculum && poolCurriculum(curriculum.options, getPools().train, curriculum.difficulty);
  return {
    env,
    trainSize: split.trainSize,
    testSize: split.testSize,
    harderSize: harder?.size ?? 0,
    curriculum: levels ?? null,
    groupsOf,
    sample(n, seed) {
      checkCount(n, 'n');
      const rng = new Rng(seed);
      return Array.from({ length: n }, () => sampleOne(rng));
    },
    sampleTrain(n, seed) {
      checkCount(n, 'n');
      const rng = new Rng(seed);
      const { train } = getPools();
      if (!parts) {
        return Array.from({ length: n }, () => structuredClone(train[rng.int(train.length)]!));
      }
      const { members, others } = parts;
      return Array.from({ length: n }, () => {
        const part = rng.float() < parts.share ? members : others;
        return structuredClone(part[rng.int(part.length)]!);
      });
    },
    testTasks(n) {
      checkCount(n, 'tasks', split.testSize);
      return getPools()
        .test.slice(0, n)
        .map((task) => structuredClone(task));
    },
    harderTasks(n) {
      if (!harder) {
        throw new TerrariumError(
          '--split',
          'harder',
          `a run whose tasks define a harder split (tasks.harder); these ${env} tasks have none: use --split test`,
        );
      }
      checkCount(n, 'tasks', harder.size);
      return getHarderPool(harder)
        .slice(0, n)
        .map((task) => structuredClone(task));
    },
  };
}
