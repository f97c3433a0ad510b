import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { type RewardPreset, type RewardWeights, rewardWeightsSchema } from './reward-presets.js';
import { checkRobotPhysics } from './robot-checks.js';
import { parseRobotSchema } from './robot-spec-errors.js';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);
const range = z.tuple([z.number(), z.number()]);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour written "#rrggbb", e.g. "#c0703a"');
const name = z.string().min(1, 'a non-empty name');

/** A collision shape, in world coordinates with the robot at rest (every body unrotated). */
export const shapeSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('capsule'), from: vec3, to: vec3, radius: z.number().positive() }).strict(),
  z.object({ type: z.literal('cylinder'), from: vec3, to: vec3, radius: z.number().positive() }).strict(),
  z.object({ type: z.literal('sphere'), at: vec3, radius: z.number().positive() }).strict(),
  z.object({ type: z.literal('box'), at: vec3, halfExtents: vec3 }).strict(),
]);

export const bodySpecSchema = z
  .object({
    name,
    /** Origin of the body frame at rest (world, metres). */
    position: vec3,
    /** kg/m^3; the task's mass scales multiply it. Give `density` or `mass`, not both. */
    density: z.number().positive().optional(),
    /** kg: the body's total mass, spread over its shapes by volume; the task's mass scales multiply it. */
    mass: z.number().positive().optional(),
    /** Principal moments of inertia (kg m^2) about the centre of mass, along the world axes at rest; needs `mass`. */
    inertia: vec3.optional(),
    /** Centre of mass at rest (world, m), with `inertia`; default: the shapes' volume centroid. */
    centerOfMass: vec3.optional(),
    color: color.default('#c0703a'),
    shapes: z.array(shapeSpecSchema).min(1),
  })
  .strict();

/** What drives a joint; the action's entry for the joint is clipped to `ctrlRange`. */
export const actuatorSpecSchema = z.discriminatedUnion('type', [
  /** Force (N m, or N on a slide) = gear * action, clipped to `forceRange`. */
  z
    .object({ type: z.literal('motor'), ctrlRange: range.default([-1, 1]), forceRange: range.optional() })
    .strict(),
  /** Force = kp * (action - q) - kv * qdot: the action is the target angle (rad) or offset (m). */
  z
    .object({
      type: z.literal('position'),
      kp: z.number().positive(),
      kv: z.number().min(0).default(0),
      /** Default: the joint's limits. */
      ctrlRange: range.optional(),
      forceRange: range.optional(),
    })
    .strict(),
  /** Force = kv * (action - qdot): the action is the target velocity (rad/s or m/s). */
  z
    .object({
      type: z.literal('velocity'),
      kv: z.number().positive(),
      ctrlRange: range.default([-1, 1]),
      forceRange: range.optional(),
    })
    .strict(),
]);

const movingJointSchema = z
  .object({
    name,
    /** "hinge" rotates about `axis` (angles in rad), "slide" translates along it (offsets in m). */
    type: z.enum(['hinge', 'slide']),
    parent: z.string(),
    child: z.string(),
    /** Hinge point (or slide origin) and axis at rest (world); the joint position is 0 at rest. */
    anchor: vec3,
    axis: vec3,
    limits: range,
    /** Passive damping (N m s/rad; slide N s/m) and spring stiffness (N m/rad; N/m) towards the rest position. */
    damping: z.number().min(0),
    stiffness: z.number().min(0).default(0),
    /** Motor force (N m, or N) at action 1 and motorStrength 1; motors only. */
    gear: z.number().positive().optional(),
    /**
     * Rotor inertia (kg m^2) added to the child body about every axis: a stand-in for MuJoCo's joint armature,
     * which Rapier's maximal-coordinate joints have no slot for. It slows a light limb under a strong motor, which
     * keeps the joint solver's gaps small. Not scaled by the task's mass scale (it is the motor's, not the body's).
     */
    armature: z.number().min(0).default(0),
    actuator: actuatorSpecSchema.default({ type: 'motor', ctrlRange: [-1, 1] }),
  })
  .strict();

/** A weld: the child keeps its pose relative to the parent; no action, no observation. */
const fixedJointSchema = z
  .object({ name, type: z.literal('fixed'), parent: z.string(), child: z.string(), anchor: vec3 })
  .strict();

export const jointSpecSchema = z.preprocess(
  // A joint without `type` is a hinge (every spec written before slide and fixed joints existed).
  (joint) =>
    joint !== null && typeof joint === 'object' && !Array.isArray(joint) && !('type' in joint)
      ? { ...joint, type: 'hinge' }
      : joint,
  z.discriminatedUnion('type', [movingJointSchema, fixedJointSchema]),
);

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

/** Sensors: observation parts that read a named body, or every actuator. */
export const sensorSpecSchema = z.discriminatedUnion('sensor', [
  /** 6 numbers a body, as Gymnasium's cfrc_ext: contact force (N, world x, y, z) then torque about its COM (N m). */
  z.object({ sensor: z.literal('contactForce'), bodies: z.array(z.string()).min(1) }).strict(),
  /** 7 numbers: the body's orientation quaternion (x, y, z, w; body to world), angular velocity in its frame (rad/s). */
  z.object({ sensor: z.literal('imu'), body: z.string() }).strict(),
  /** One number an actuated joint: the actuator's force over the last physics step (N m, or N on a slide). */
  z.object({ sensor: z.literal('jointTorque') }).strict(),
]);
export type SensorSpec = z.infer<typeof sensorSpecSchema>;
export type ObservationEntry = ObservationPart | SensorSpec;

/** Collision filtering; bodies joined by a joint never touch each other. */
const collisionSchema = z
  .object({
    /** false (default): robot bodies touch only the ground. true: they also touch each other. */
    selfCollision: z.boolean().default(false),
    /** Groups of body names whose members never touch each other (at most 14, Rapier's group bits). */
    groups: z.array(z.array(z.string()).min(2)).max(14).default([]),
  })
  .strict();

const robotObjectSchema = z
  .object({
    name,
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
    observation: z.array(z.union([z.enum(OBSERVATION_PARTS), sensorSpecSchema])).min(1),
    /** Root height above the terrain that counts as healthy; leaving it terminates the episode. */
    healthy: z.object({ minHeight: z.number(), maxHeight: z.number() }).strict().optional(),
    collision: collisionSchema.default({ selfCollision: false, groups: [] }),
    /** Reward weights of the "gymnasium" preset, and under `maml` those of the "maml" preset (reward-presets.ts). */
    reward: rewardWeightsSchema
      .extend({ maml: rewardWeightsSchema.optional() })
      .strict()
      .default({ ctrlCostWeight: 0.1, healthyReward: 0, contactCostWeight: 0, forwardRewardWeight: 1 }),
  })
  .strict();

export const robotSpecSchema = robotObjectSchema.superRefine(crossCheck);

export type RobotSpec = z.infer<typeof robotSpecSchema>;
export type ShapeSpec = z.infer<typeof shapeSpecSchema>;
export type BodySpec = z.infer<typeof bodySpecSchema>;
export type JointSpec = z.infer<typeof jointSpecSchema>;
export type MovingJointSpec = Extract<JointSpec, { type: 'hinge' | 'slide' }>;
export type ActuatorSpec = z.infer<typeof actuatorSpecSchema>;

/** Names and references the schema alone cannot check: bodies, limits, ranges, one way of giving mass. */
function crossCheck(spec: z.infer<typeof robotObjectSchema>, ctx: z.RefinementCtx): void {
  const names = new Set(spec.bodies.map((b) => b.name));
  const known = `a body name (${[...names].join(', ')})`;
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if (!names.has(spec.root)) issue(['root'], known);
  spec.bodies.forEach((body, i) => {
    if ((body.density === undefined) === (body.mass === undefined))
      issue(['bodies', i, 'density'], 'either density (kg/m^3) or mass (kg), exactly one of them');
    if (body.inertia && body.mass === undefined) issue(['bodies', i, 'inertia'], 'inertia only with mass');
    if (body.inertia?.some((v) => !(v > 0)))
      issue(['bodies', i, 'inertia'], 'three positive moments (kg m^2)');
    if (body.centerOfMass && !body.inertia)
      issue(['bodies', i, 'centerOfMass'], 'centerOfMass only with inertia');
  });
  spec.joints.forEach((joint, i) => {
    for (const end of ['parent', 'child'] as const)
      if (!names.has(joint[end])) issue(['joints', i, end], known);
    if (joint.type === 'fixed') return;
    if (joint.limits[0] > joint.limits[1])
      issue(['joints', i, 'limits'], 'limits as [low, high] with low <= high');
    const act = joint.actuator;
    if (act.type === 'motor' && joint.gear === undefined)
      issue(['joints', i, 'gear'], 'a gear (N m, or N, at action 1) for a motor');
    for (const key of ['ctrlRange', 'forceRange'] as const) {
      const r = act[key];
      if (r && !(r[0] < r[1])) issue(['joints', i, 'actuator', key], `${key} as [low, high] with low < high`);
    }
    if (act.type !== 'motor' && act.forceRange && act.forceRange[0] !== -act.forceRange[1])
      issue(
        ['joints', i, 'actuator', 'forceRange'],
        'a symmetric forceRange [-f, f] for a servo (Rapier motors clamp |force|)',
      );
  });
  spec.observation.forEach((part, i) => {
    if (typeof part === 'string' || part.sensor === 'jointTorque') return;
    const bodies = part.sensor === 'imu' ? [part.body] : part.bodies;
    for (const body of bodies)
      if (!names.has(body)) issue(['observation', i, part.sensor === 'imu' ? 'body' : 'bodies'], known);
  });
  spec.collision.groups.forEach((group, i) => {
    for (const body of group) if (!names.has(body)) issue(['collision', 'groups', i], known);
  });
}

/** Joints that move (hinge and slide), in spec order: one joint position and velocity each. */
export function movingJoints(spec: RobotSpec): MovingJointSpec[] {
  return spec.joints.filter((j): j is MovingJointSpec => j.type !== 'fixed');
}

/** Action bounds, one entry a moving joint: its actuator's ctrlRange (a position servo's default: the limits). */
export function actionRanges(spec: RobotSpec): [number, number][] {
  return movingJoints(spec).map((j) => {
    const range = j.actuator.ctrlRange ?? j.limits;
    return [range[0], range[1]];
  });
}

/** Observation size of a spec. */
export function observationSize(spec: RobotSpec): number {
  const joints = movingJoints(spec).length;
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
  return spec.observation.reduce((sum, part) => {
    if (typeof part === 'string') return sum + sizes[part];
    if (part.sensor === 'contactForce') return sum + 6 * part.bodies.length;
    return sum + (part.sensor === 'imu' ? 7 : joints);
  }, 0);
}

export function parseRobotSpec(input: unknown, source = 'robot'): RobotSpec {
  const spec = parseRobotSchema(robotSpecSchema, input, source);
  checkRobotPhysics(spec, source);
  return spec;
}

/** A robot file's text; an unreadable file is an error naming `--robot`, the path and `expected`. */
export function readRobotText(path: string | URL, expected: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TerrariumError('--robot', String(path), expected, (error as Error).message);
  }
}

/** Reads and validates a robot spec JSON file. */
export function loadRobotSpec(path: string | URL): RobotSpec {
  const text = readRobotText(path, 'a readable robot spec JSON file');
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
