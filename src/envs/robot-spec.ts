import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import { type RewardPreset, type RewardWeights, rewardWeightsSchema } from './reward-presets.js';
import { checkRobotPhysics } from './robot-checks.js';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/);

/** A collision shape, in world coordinates with the robot at rest (every body unrotated). */
export const shapeSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('capsule'), from: vec3, to: vec3, radius: z.number().positive() }).strict(),
  z.object({ type: z.literal('cylinder'), from: vec3, to: vec3, radius: z.number().positive() }).strict(),
  z.object({ type: z.literal('sphere'), at: vec3, radius: z.number().positive() }).strict(),
  z.object({ type: z.literal('box'), at: vec3, halfExtents: vec3 }).strict(),
]);

export const bodySpecSchema = z
  .object({
    name: z.string().min(1),
    /** Origin of the body frame at rest (world, metres). */
    position: vec3,
    /** kg/m^3; the task's mass scales multiply it. */
    density: z.number().positive(),
    color: color.default('#c0703a'),
    shapes: z.array(shapeSpecSchema).min(1),
  })
  .strict();

export const jointSpecSchema = z
  .object({
    name: z.string().min(1),
    parent: z.string(),
    child: z.string(),
    /** Hinge point and axis at rest (world); the joint angle is 0 at rest. */
    anchor: vec3,
    axis: vec3,
    limits: z.tuple([z.number(), z.number()]),
    /** Passive damping (N m s/rad) and spring stiffness (N m/rad) towards the rest angle. */
    damping: z.number().min(0),
    stiffness: z.number().min(0).default(0),
    /** Torque (N m) at action 1 and motorStrength 1. */
    gear: z.number().positive(),
    /**
     * Rotor inertia (kg m^2) added to the child body about every axis: a stand-in for MuJoCo's joint armature,
     * which Rapier's maximal-coordinate joints have no slot for. It slows a light limb under a strong motor, which
     * keeps the joint solver's gaps small. Not scaled by the task's mass scale (it is the motor's, not the body's).
     */
    armature: z.number().min(0).default(0),
  })
  .strict();

export const OBSERVATION_PARTS = [
  'rootHeight',
  'rootQuaternion',
  'rootPitch',
  'jointPositions',
  'rootLinvel',
  'rootLinvelPlanar',
  'rootAngvel',
  'rootAngvelPitch',
  'jointVelocities',
] as const;
export type ObservationPart = (typeof OBSERVATION_PARTS)[number];

export const robotSpecSchema = z
  .object({
    name: z.string().min(1),
    root: z.string(),
    /** Keep the robot in the x-y plane (half-cheetah style). */
    planar: z.boolean().default(false),
    /** Rapier solver iterations per physics step: 4 keeps joint gaps ~2 mm under full torque; 2 is ~1.5x faster. */
    solverIterations: z.number().int().min(1).max(32).default(4),
    /** Projected Gauss-Seidel passes per solver iteration: cheaper than solver iterations, less effective. */
    pgsIterations: z.number().int().min(1).max(16).default(1),
    /** Physics steps per 0.05 s env step (each of 0.05 / substeps s); docs/physics-settings.md measures the choice. */
    substeps: z.number().int().min(1).max(50).default(5),
    /** Set the joint torques before every physics step ("substep") or once per env step ("step"; they persist). */
    torqueUpdate: z.enum(['substep', 'step']).default('substep'),
    /** Gap (m) between the lowest shape and the ground at spawn. */
    spawnClearance: z.number().min(0).default(0.02),
    bodies: z.array(bodySpecSchema).min(1),
    joints: z.array(jointSpecSchema).min(1),
    /** Observation layout, in order. */
    observation: z.array(z.enum(OBSERVATION_PARTS)).min(1),
    /** Root height above the terrain that counts as healthy; leaving it terminates the episode. */
    healthy: z.object({ minHeight: z.number(), maxHeight: z.number() }).strict().optional(),
    /** Reward weights of the "gymnasium" preset, and under `maml` those of the "maml" preset (reward-presets.ts). */
    reward: rewardWeightsSchema
      .extend({ maml: rewardWeightsSchema.optional() })
      .strict()
      .default({ ctrlCostWeight: 0.1, healthyReward: 0, contactCostWeight: 0 }),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = new Set(spec.bodies.map((b) => b.name));
    if (!names.has(spec.root))
      ctx.addIssue({ code: 'custom', path: ['root'], message: `a body name, got "${spec.root}"` });
    spec.joints.forEach((joint, i) => {
      for (const end of ['parent', 'child'] as const) {
        if (!names.has(joint[end])) {
          ctx.addIssue({
            code: 'custom',
            path: ['joints', i, end],
            message: `a body name (${[...names].join(', ')})`,
          });
        }
      }
      if (joint.limits[0] > joint.limits[1]) {
        ctx.addIssue({
          code: 'custom',
          path: ['joints', i, 'limits'],
          message: 'limits as [low, high] with low <= high',
        });
      }
    });
  });

export type RobotSpec = z.infer<typeof robotSpecSchema>;
export type ShapeSpec = z.infer<typeof shapeSpecSchema>;

/** Observation size of a spec. */
export function observationSize(spec: RobotSpec): number {
  const joints = spec.joints.length;
  const sizes: Record<ObservationPart, number> = {
    rootHeight: 1,
    rootQuaternion: 4,
    rootPitch: 1,
    jointPositions: joints,
    rootLinvel: 3,
    rootLinvelPlanar: 2,
    rootAngvel: 3,
    rootAngvelPitch: 1,
    jointVelocities: joints,
  };
  return spec.observation.reduce((sum, part) => sum + sizes[part], 0);
}

export function parseRobotSpec(input: unknown, source = 'robot'): RobotSpec {
  const spec = parseWith(robotSpecSchema, input, source);
  checkRobotPhysics(spec, source);
  return spec;
}

/** Reads and validates a robot spec JSON file. */
export function loadRobotSpec(path: string | URL): RobotSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TerrariumError(
      '--robot',
      String(path),
      'a readable robot spec JSON file',
      (error as Error).message,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TerrariumError('--robot', String(path), 'valid JSON', (error as Error).message);
  }
  return parseRobotSpec(json);
}

const shipped = new Map<string, RobotSpec>();

/** The robots that ship with Terrarium (robots/*.json at the package root), read and validated once each. */
export function shippedRobot(name: 'cheetah' | 'ant'): RobotSpec {
  let spec = shipped.get(name);
  if (!spec) {
    spec = loadRobotSpec(new URL(`../../robots/${name}.json`, import.meta.url));
    shipped.set(name, spec);
  }
  return spec;
}

/** The weights of `preset` for this robot: `reward.maml` for "maml" (the spec's own weights when it has none). */
export function rewardWeights(spec: RobotSpec, preset: RewardPreset): RewardWeights {
  const { maml, ...gymnasium } = spec.reward;
  return preset === 'maml' && maml ? maml : gymnasium;
}
