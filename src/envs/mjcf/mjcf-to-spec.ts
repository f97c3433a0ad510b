/**
 * MJCF (MuJoCo XML, the subset Gymnasium's classic models use) to a Terrarium robot spec. Bodies and joints come
 * from mjcf-bodies.ts; here the actuators become the joints' actuators (the spec's joints, and so the action, follow
 * the <actuator> order, as Gymnasium's action does), masses are summed per body (scaled to settotalmass), and the
 * observation is Gymnasium's layout for a free or a planar robot. The result is validated like any spec.
 */
import { TerrariumError } from '../../core/errors.js';
import { parseRobotSpec, type RobotSpec } from '../robot-spec.js';
import { type BodyDraft, bodyTree, type JointDraft } from './mjcf-bodies.js';
import { type MjcfContext, mjcfContext } from './mjcf-context.js';
import { toYUp } from './mjcf-frames.js';
import { checkVocabulary, type MjcfElement, parseMjcfXml } from './mjcf-xml.js';

export interface MjcfConversion {
  spec: RobotSpec;
  /** Elements and attributes without a Terrarium meaning ("option@timestep", "<asset>"), and capped armatures. */
  notes: string[];
}

/**
 * MuJoCo's armature is rotor inertia in joint space; Terrarium's stand-in adds it to the child body about every axis
 * (robot-spec.ts). A limb far heavier in rotation than the body it hangs from makes Rapier's joint solver diverge
 * (the Gymnasium ant's armature 1 on its 0.04 kg legs blows up within 6 s standing still), so the stand-in is capped
 * at this many m^2 times the parent body's mass, and each cap is listed among the notes.
 */
export const ARMATURE_CAP_M2 = 0.01;

const FREE_OBSERVATION = [
  'rootHeight',
  'rootQuaternion',
  'jointPositions',
  'rootLinvel',
  'rootAngvel',
  'jointVelocities',
];
const PLANAR_OBSERVATION = [
  'rootHeight',
  'rootPitch',
  'jointPositions',
  'rootLinvelPlanar',
  'rootAngvelPitch',
  'jointVelocities',
];

/** An <actuator> child as a joint's actuator (and motor gear). */
function actuatorOf(el: MjcfElement, attrs: Record<string, string>, ctx: MjcfContext) {
  const where = el.where;
  const range = (key: 'ctrl' | 'force') => {
    const limited = attrs[`${key}limited`] ?? (ctx.autolimits ? 'auto' : 'false');
    const text = attrs[`${key}range`];
    if (text === undefined || limited === 'false') return undefined;
    const [lo, hi] = ctx.vec(text, 2, `${where}@${key}range`);
    return [lo!, hi!] as [number, number];
  };
  const ctrlRange = range('ctrl');
  if (!ctrlRange)
    throw new TerrariumError(
      `${where}@ctrlrange`,
      attrs.ctrlrange,
      'a ctrlrange (Terrarium actions are bounded)',
    );
  const gears = attrs.gear !== undefined ? ctx.numbers(attrs.gear, `${where}@gear`) : [1];
  if (gears.slice(1).some((g) => g !== 0))
    throw new TerrariumError(
      `${where}@gear`,
      attrs.gear,
      'one gear, or six numbers with the last five 0 (a joint transmission)',
    );
  const gear = gears[0]!;
  const forceRange = range('force');
  if (el.tag === 'general') {
    for (const [key, plain] of [
      ['dyntype', 'none'],
      ['gaintype', 'fixed'],
      ['biastype', 'none'],
      ['actdim', '0'],
    ] as const) {
      if (attrs[key] !== undefined && attrs[key] !== plain)
        throw new TerrariumError(
          `${where}@${key}`,
          attrs[key],
          `"${plain}" (a <general> Terrarium reads is a plain motor)`,
        );
    }
  }
  if (el.tag === 'motor' || el.tag === 'general') {
    return { gear, actuator: { type: 'motor', ctrlRange, ...(forceRange ? { forceRange } : {}) } };
  }
  if (gear !== 1) throw new TerrariumError(`${where}@gear`, attrs.gear, '1 on a position or velocity servo');
  const num = (key: string, fallback: number) =>
    attrs[key] !== undefined ? ctx.number(attrs[key], `${where}@${key}`) : fallback;
  const servo =
    el.tag === 'position'
      ? { type: 'position', kp: num('kp', 1), kv: num('kv', 0), ctrlRange }
      : { type: 'velocity', kv: num('kv', 1), ctrlRange };
  return { gear: undefined, actuator: { ...servo, ...(forceRange ? { forceRange } : {}) } };
}

function massFields(draft: BodyDraft, scale: number, ctx: MjcfContext, ignored: Set<string>) {
  if (draft.inertial && ctx.inertiaFromGeom === 'true')
    ignored.add('<inertial> (compiler inertiafromgeom="true")');
  if (draft.inertial && ctx.inertiaFromGeom === 'auto') {
    const q = draft.frame.quat;
    if (Math.abs(Math.abs(q[0]) - 1) > 1e-9)
      throw new TerrariumError(
        `${draft.name} <inertial>`,
        q,
        'a body frame along the world axes (diaginertia is not rotated)',
      );
    const [ixx, iyy, izz] = draft.inertial.diag;
    return {
      mass: draft.inertial.mass * scale,
      inertia: [ixx! * scale, izz! * scale, iyy! * scale],
      centerOfMass: toYUp(draft.inertial.pos),
    };
  }
  const densities = new Set(draft.parts.map((p) => p.density));
  const [only] = densities;
  if (scale === 1 && densities.size === 1 && only !== undefined) return { density: only };
  return { mass: draft.parts.reduce((sum, p) => sum + p.mass, 0) * scale };
}

/** Converts MJCF `text` (read from `source`) into a validated robot spec and the list of ignored items. */
export function mjcfToSpec(text: string, source: string): MjcfConversion {
  const root = parseMjcfXml(text, source);
  const ignored = new Set(checkVocabulary(root, source));
  const ctx = mjcfContext(root);
  const worldbody = root.children.find((c) => c.tag === 'worldbody');
  if (!worldbody) throw new TerrariumError(source, 'no <worldbody>', 'an MJCF model with a <worldbody>');
  const tree = bodyTree(worldbody, ctx);
  for (const body of tree.bodies) {
    if (body.shapes.length === 0)
      throw new TerrariumError(
        `${source}: body "${body.name}"`,
        0,
        'at least one geom (Terrarium bodies collide)',
      );
  }
  const byName = new Map<string, JointDraft>(tree.joints.map((j) => [j.name, j]));
  const driven = new Map<string, ReturnType<typeof actuatorOf>>();
  const order: JointDraft[] = [];
  for (const block of root.children.filter((c) => c.tag === 'actuator')) {
    for (const el of block.children) {
      const attrs = ctx.attrs(el, undefined);
      const joint = attrs.joint !== undefined ? byName.get(attrs.joint) : undefined;
      if (!joint)
        throw new TerrariumError(
          `${el.where}@joint`,
          attrs.joint,
          `a hinge or slide joint below the root (${[...byName.keys()].join(', ')})`,
        );
      if (driven.has(joint.name))
        throw new TerrariumError(`${el.where}@joint`, joint.name, 'a joint no other actuator drives');
      driven.set(joint.name, actuatorOf(el, attrs, ctx));
      order.push(joint);
    }
  }
  const passive = tree.joints.filter((j) => !driven.has(j.name)).map((j) => j.name);
  if (passive.length > 0)
    throw new TerrariumError(
      `${source} <actuator>`,
      passive,
      'an actuator for every joint below the root (Terrarium joints are actuated)',
    );
  const total = tree.bodies.reduce(
    (sum, b) =>
      sum +
      (b.inertial && ctx.inertiaFromGeom === 'auto'
        ? b.inertial.mass
        : b.parts.reduce((s, p) => s + p.mass, 0)),
    0,
  );
  const scale = ctx.totalMass !== undefined ? ctx.totalMass / total : 1;
  // MuJoCo's contype/conaffinity: do two bodies' geoms ever collide? (Joined bodies never do, as in MuJoCo.)
  const selfCollision = tree.bodies.some((a, i) =>
    tree.bodies.some(
      (b, k) => k !== i && ((a.contype & b.conaffinity) !== 0 || (b.contype & a.conaffinity) !== 0),
    ),
  );
  const capped: string[] = [];
  const massOf = (name: string) => {
    const b = tree.bodies.find((d) => d.name === name)!;
    const own =
      b.inertial && ctx.inertiaFromGeom === 'auto'
        ? b.inertial.mass
        : b.parts.reduce((m, p) => m + p.mass, 0);
    return own * scale;
  };
  const armature = (j: JointDraft) => {
    const cap = ARMATURE_CAP_M2 * massOf(j.parent);
    if (j.armature <= cap) return j.armature;
    capped.push(
      `capped joint "${j.name}" armature ${j.armature} to ${Number(cap.toPrecision(3))} (0.01 m^2 x parent mass)`,
    );
    return Number(cap.toPrecision(3));
  };
  const spec = {
    name: root.attrs.model ?? 'mjcf-robot',
    root: tree.root,
    planar: tree.planar,
    bodies: tree.bodies.map((b) => ({
      name: b.name,
      position: toYUp(b.frame.pos),
      ...massFields(b, scale, ctx, ignored),
      ...(b.color ? { color: b.color } : {}),
      shapes: b.shapes,
    })),
    joints: order.map((j) => {
      const { gear, actuator } = driven.get(j.name)!;
      return { ...j, armature: armature(j), ...(gear !== undefined ? { gear } : {}), actuator };
    }),
    observation: tree.planar ? PLANAR_OBSERVATION : FREE_OBSERVATION,
    collision: { selfCollision, groups: [] },
  };
  const notes = [...[...ignored].sort().map((item) => `ignored ${item}`), ...capped];
  return { spec: parseRobotSpec(spec, source), notes };
}
