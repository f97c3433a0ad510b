import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { curriculumSchema } from './curriculum.js';
import { leggedDifficulty } from './legged-difficulty.js';
import type { Goal, LeggedTask } from './legged-env.js';
import { robotLegs } from './legs.js';
import type { RobotSpec } from './robot-spec.js';
import {
  DEFAULT_DYNAMICS_RANGES,
  DEFAULT_TERRAIN_RANGES,
  type DynamicsRanges,
  MAX_LEGS,
  makeTaskDistribution,
  type Range,
  rangeSchema,
  resolveSplit,
  sampleDynamics,
  sampleTerrain,
  splitOptionFields,
  type TaskDistribution,
  type TerrainRanges,
} from './task.js';
import { TERRAIN_KINDS } from './terrain.js';

const dynamicsRangeFields = {
  massScale: rangeSchema(0.1, 10).optional(),
  friction: rangeSchema(0, 5).optional(),
  motorStrength: rangeSchema(0, 5).optional(),
  jointDamping: rangeSchema(0, 10).optional(),
  gravityScale: rangeSchema(0, 3).optional(),
  /** Probability that a task's robot has a crippled leg, drawn uniformly among its legs (legs.ts). */
  crippleProbability: z.number().min(0).max(1).optional(),
};

const terrainRangeFields = {
  terrains: z
    .array(z.enum(TERRAIN_KINDS as [string, ...string[]]))
    .min(1)
    .optional(),
  slopeAngle: rangeSchema(-0.35, 0.35).optional(),
  stepHeight: rangeSchema(0, 0.25).optional(),
  roughAmplitude: rangeSchema(0, 0.4).optional(),
};

/** Ranges of the harder held-out pool: each one given replaces the training range (meant to lie outside it). */
const harderSchema = z
  .object({ ...dynamicsRangeFields, ...terrainRangeFields })
  .strict()
  .refine((harder) => Object.keys(harder).length > 0, 'at least one range (e.g. "friction": [0.1, 0.2])');

/** Options of a legged task distribution, as they appear in a train config's `tasks` field. */
export const leggedDistributionSchema = z
  .object({
    goal: z.enum(['direction', 'velocity', 'position']).optional(),
    /**
     * Direction goals: any heading ("circle", the ant's default), +x / -x ("forward-backward", as MAML's ant-dir) or
     * always +x ("forward": the task is the world and the body, not the goal).
     */
    directions: z.enum(['circle', 'forward-backward', 'forward']).optional(),
    velocityRange: rangeSchema(-5, 5).optional(),
    /** Goal positions are drawn in a disc of this radius (m). */
    positionRadius: z.number().min(0).max(14).optional(),
    ...dynamicsRangeFields,
    perBodyMass: z.boolean().optional(),
    ...terrainRangeFields,
    stepWidth: rangeSchema(0.2, 3).optional(),
    roughScale: rangeSchema(0.2, 20).optional(),
    /** A third held-out pool (`--split harder`) drawn from these ranges instead of the training ones. */
    harder: harderSchema.optional(),
    /**
     * How a harder task uses the harder ranges: "all" (default) draws every one of them; "one" draws one of them,
     * picked uniformly a task, and the rest from the training ranges, so each harder parameter is measured alone.
     */
    harderPick: z.enum(['all', 'one']).optional(),
    /** Tasks in the harder pool (default 100). */
    harderSize: z.number().int().min(1).max(100_000).optional(),
    /**
     * Meta-train in difficulty levels (curriculum.ts; difficulty: legged-difficulty.ts) instead of drawing every
     * training task uniformly.
     */
    curriculum: curriculumSchema.optional(),
    /**
     * The share of crippled-leg tasks in meta-training's draws from the training pool (default: the pool's own, about
     * crippleProbability). The pools and the held-out tasks stay as they are, so runs with and without it are
     * evaluated on the same tasks.
     */
    crippledShare: z.number().min(0).max(1).optional(),
    ...splitOptionFields,
  })
  .strict();

export type LeggedDistributionOptions = z.infer<typeof leggedDistributionSchema>;

const DEFAULT_HARDER_SIZE = 100;

function sampleGoal(rng: Rng, options: LeggedDistributionOptions, planar: boolean): Goal {
  switch (options.goal ?? 'direction') {
    case 'direction': {
      if (options.directions === 'forward') return { kind: 'direction', direction: [1, 0] };
      if (planar || options.directions === 'forward-backward')
        return { kind: 'direction', direction: [rng.float() < 0.5 ? -1 : 1, 0] };
      const angle = rng.uniform(0, 2 * Math.PI);
      return { kind: 'direction', direction: [Math.cos(angle), Math.sin(angle)] };
    }
    case 'velocity':
      return {
        kind: 'velocity',
        velocity: rng.uniform(...(options.velocityRange ?? [0, 2])),
        direction: [1, 0],
      };
    case 'position': {
      const radius = options.positionRadius ?? 3;
      const angle = rng.uniform(0, 2 * Math.PI);
      const r = radius * Math.sqrt(rng.float());
      return { kind: 'position', position: [r * Math.cos(angle), planar ? 0 : r * Math.sin(angle)] };
    }
  }
}

/** The sampling ranges `options` describe, each missing one from the defaults. */
function rangesOf(options: LeggedDistributionOptions): { dynamics: DynamicsRanges; terrain: TerrainRanges } {
  const d = DEFAULT_DYNAMICS_RANGES;
  const t = DEFAULT_TERRAIN_RANGES;
  return {
    dynamics: {
      massScale: options.massScale ?? d.massScale,
      friction: options.friction ?? d.friction,
      motorStrength: options.motorStrength ?? d.motorStrength,
      jointDamping: options.jointDamping ?? d.jointDamping,
      gravityScale: options.gravityScale ?? d.gravityScale,
      perBodyMass: options.perBodyMass ?? d.perBodyMass,
    },
    terrain: {
      kinds: (options.terrains ?? ['flat']) as TerrainRanges['kinds'],
      slopeAngle: options.slopeAngle ?? t.slopeAngle,
      stepHeight: options.stepHeight ?? t.stepHeight,
      stepWidth: options.stepWidth ?? t.stepWidth,
      roughAmplitude: options.roughAmplitude ?? t.roughAmplitude,
      roughScale: options.roughScale ?? t.roughScale,
    },
  };
}

/** Sampler of one task under `options`; the crippled leg is drawn (last) only when crippleProbability is set. */
function taskSampler(options: LeggedDistributionOptions, spec: RobotSpec, legCount: number) {
  const ranges = rangesOf(options);
  const bodyNames = spec.bodies.map((b) => b.name);
  const p = options.crippleProbability;
  return (rng: Rng): LeggedTask => {
    const task: LeggedTask = {
      goal: sampleGoal(rng, options, spec.planar),
      dynamics: sampleDynamics(rng, ranges.dynamics, bodyNames),
      terrain: sampleTerrain(rng, ranges.terrain),
    };
    if (p !== undefined) task.dynamics.crippledLeg = rng.float() < p ? rng.int(legCount) : null;
    return task;
  };
}

/** Refuses crippled-leg options the robot cannot honour, naming the field. */
function checkCrippleOptions(options: LeggedDistributionOptions, spec: RobotSpec, legCount: number): void {
  const fields = [
    ['tasks.crippleProbability', options.crippleProbability],
    ['tasks.harder.crippleProbability', options.harder?.crippleProbability],
  ] as const;
  for (const [field, p] of fields) {
    if (p !== undefined && (legCount < 1 || legCount > MAX_LEGS)) {
      throw new TerrariumError(
        field,
        p,
        `unset for ${spec.name}: crippled legs need 1 to ${MAX_LEGS} legs (joints on the root body), it has ${legCount}`,
      );
    }
  }
  // Every task of a run must carry the field, or none: the oracle's observation length depends on it.
  if (options.harder?.crippleProbability !== undefined && options.crippleProbability === undefined) {
    throw new TerrariumError(
      'tasks.harder.crippleProbability',
      options.harder.crippleProbability,
      'unset unless tasks.crippleProbability is set too (0 is allowed: no training task is crippled)',
    );
  }
}

/**
 * Task distribution of a legged env with robot `spec`; `defaults` are the env's own choices, `input` the user's
 * overrides. Options absent from `input` draw exactly the tasks they drew before they existed.
 */
export function leggedTaskDistribution(
  env: string,
  spec: RobotSpec,
  defaults: LeggedDistributionOptions,
  input: unknown = {},
): TaskDistribution<LeggedTask> {
  const options = { ...defaults, ...parseWith(leggedDistributionSchema, input ?? {}, 'tasks') };
  const legCount = robotLegs(spec).length;
  checkCrippleOptions(options, spec, legCount);
  for (const field of ['harderSize', 'harderPick'] as const) {
    if (options[field] !== undefined && !options.harder) {
      throw new TerrariumError(`tasks.${field}`, options[field], 'unset without tasks.harder');
    }
  }
  const harder = options.harder && {
    sampleOne: harderSampler(options, options.harder, spec, legCount),
    size: options.harderSize ?? DEFAULT_HARDER_SIZE,
  };
  if (options.crippledShare !== undefined && options.crippleProbability === undefined) {
    throw new TerrariumError(
      'tasks.crippledShare',
      options.crippledShare,
      'unset unless tasks.crippleProbability is set',
    );
  }
  if (options.crippledShare !== undefined && options.curriculum) {
    throw new TerrariumError(
      'tasks.crippledShare',
      options.crippledShare,
      'unset with tasks.curriculum (the curriculum draws its tasks by level)',
    );
  }
  const crippledShare =
    options.crippledShare === undefined
      ? undefined
      : {
          share: options.crippledShare,
          member: (task: LeggedTask) => task.dynamics.crippledLeg != null,
          field: 'tasks.crippledShare',
        };
  const curriculum = options.curriculum && {
    options: options.curriculum,
    difficulty: leggedDifficulty(rangesOf(options)),
  };
  return makeTaskDistribution<LeggedTask>(
    env,
    taskSampler(options, spec, legCount),
    resolveSplit(options),
    harder,
    curriculum,
    taskGroups(options),
    crippledShare,
  );
}

type HarderRanges = NonNullable<LeggedDistributionOptions['harder']>;

/** Sampler of the harder pool: every harder range at once, or (harderPick "one") one of them, picked first. */
function harderSampler(
  options: LeggedDistributionOptions,
  harder: HarderRanges,
  spec: RobotSpec,
  legCount: number,
): (rng: Rng) => LeggedTask {
  if ((options.harderPick ?? 'all') === 'all') return taskSampler({ ...options, ...harder }, spec, legCount);
  const samplers = Object.entries(harder).map(([field, range]) =>
    taskSampler({ ...options, [field]: range }, spec, legCount),
  );
  return (rng) => samplers[rng.int(samplers.length)]!(rng);
}

/** A task's value of a harder-range field, or undefined where the task has none (another terrain kind). */
function harderValue(task: LeggedTask, field: keyof HarderRanges): number | string | undefined {
  const t = task.terrain;
  switch (field) {
    case 'terrains':
      return t.kind;
    case 'slopeAngle':
      return t.kind === 'slope' ? t.angle : undefined;
    case 'stepHeight':
      return t.kind === 'stairs' ? t.stepHeight : undefined;
    case 'roughAmplitude':
      return t.kind === 'rough' ? t.amplitude : undefined;
    case 'crippleProbability':
      return undefined;
    default:
      return task.dynamics[field];
  }
}

/**
 * Groups of a task for eval: "terrain: KIND" where the distribution mixes terrain kinds, "healthy" or "crippled leg"
 * where it cripples legs, and "outside training: FIELD" for each harder-range field whose value lies outside its
 * training range.
 */
function taskGroups(options: LeggedDistributionOptions): (task: LeggedTask) => string[] {
  const { dynamics, terrain } = rangesOf(options);
  const { perBodyMass: _, ...dynamicsRanges } = dynamics;
  const training: Record<string, Range | readonly string[]> = {
    ...dynamicsRanges,
    terrains: terrain.kinds,
    slopeAngle: terrain.slopeAngle,
    stepHeight: terrain.stepHeight,
    roughAmplitude: terrain.roughAmplitude,
  };
  const fields = Object.keys(options.harder ?? {}) as (keyof HarderRanges)[];
  return (task) => {
    const groups: string[] = [];
    if (terrain.kinds.length > 1) groups.push(`terrain: ${task.terrain.kind}`);
    const leg = task.dynamics.crippledLeg;
    if (leg !== undefined) groups.push(leg === null ? 'healthy' : 'crippled leg');
    for (const field of fields) {
      const value = harderValue(task, field);
      const range = training[field];
      if (value === undefined || range === undefined) continue;
      const outside =
        typeof value === 'string'
          ? !(range as readonly string[]).includes(value)
          : value < (range as Range)[0] || value > (range as Range)[1];
      if (outside) groups.push(`outside training: ${field}`);
    }
    return groups;
  };
}
