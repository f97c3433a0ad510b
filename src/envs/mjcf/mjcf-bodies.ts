/**
 * The body tree of an MJCF model as Terrarium bodies and joints, in world coordinates at rest (y up). A body with
 * one hinge or slide joint becomes a Terrarium body; a body without joints is welded to its parent in MuJoCo, so its
 * geoms join the parent's Terrarium body; the root's joints say whether the robot is free or planar.
 */
import { TerrariumError } from '../../core/errors.js';
import { shapeVolume } from '../body-mass.js';
import type { Vec3 } from '../env.js';
import type { ShapeSpec } from '../robot-spec.js';
import type { MjcfContext } from './mjcf-context.js';
import {
  axisAngleQuat,
  compose,
  eulerQuat,
  type Frame,
  IDENTITY,
  normalizeQuat,
  type Quat4,
  rotateVec,
  toYUp,
} from './mjcf-frames.js';
import type { MjcfElement } from './mjcf-xml.js';

/** A Terrarium body being assembled from one MJCF body and the jointless bodies welded to it. */
export interface BodyDraft {
  name: string;
  /** The MJCF body frame it was created from (MuJoCo world, z up). */
  frame: Frame;
  shapes: ShapeSpec[];
  /** Per shape: its mass (kg) and the density it came from (undefined: the geom gave a mass). */
  parts: { mass: number; density?: number }[];
  color?: string;
  /** <inertial>: mass (kg), centre of mass (MuJoCo world) and diagonal inertia (MuJoCo body axes). */
  inertial?: { mass: number; pos: Vec3; diag: Vec3 };
  contype: number;
  conaffinity: number;
}

export interface JointDraft {
  name: string;
  type: 'hinge' | 'slide';
  parent: string;
  child: string;
  anchor: Vec3;
  axis: Vec3;
  limits: [number, number];
  damping: number;
  stiffness: number;
  armature: number;
}

export interface BodyTree {
  bodies: BodyDraft[];
  joints: JointDraft[];
  root: string;
  planar: boolean;
}

function localFrame(attrs: Record<string, string>, ctx: MjcfContext, where: string): Frame {
  const pos = attrs.pos ? ctx.vec(attrs.pos, 3, `${where}@pos`) : [0, 0, 0];
  const given = ['quat', 'axisangle', 'euler'].filter((k) => attrs[k] !== undefined);
  if (given.length > 1)
    throw new TerrariumError(
      `${where}@${given[1]}`,
      attrs[given[1]!],
      `one orientation, not ${given.join(' and ')}`,
    );
  let quat: Quat4 = [1, 0, 0, 0];
  if (attrs.quat) quat = normalizeQuat(ctx.vec(attrs.quat, 4, `${where}@quat`) as unknown as Quat4);
  if (attrs.axisangle) {
    const [x, y, z, angle] = ctx.vec(attrs.axisangle, 4, `${where}@axisangle`);
    quat = axisAngleQuat([x!, y!, z!], ctx.angle(angle!));
  }
  if (attrs.euler) {
    const [a, b, c] = ctx.vec(attrs.euler, 3, `${where}@euler`);
    quat = eulerQuat([ctx.angle(a!), ctx.angle(b!), ctx.angle(c!)]);
  }
  return { pos: pos as Vec3, quat };
}

const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];

/** A geom as a Terrarium shape in world coordinates (y up). */
function shapeOf(geom: MjcfElement, attrs: Record<string, string>, body: Frame, ctx: MjcfContext): ShapeSpec {
  const where = geom.where;
  const type = attrs.type ?? 'sphere';
  const size = attrs.size ? ctx.numbers(attrs.size, `${where}@size`) : [];
  const need = (n: number) => {
    if (size.length < n) throw new TerrariumError(`${where}@size`, attrs.size, `${n} numbers for a ${type}`);
  };
  if (!['sphere', 'capsule', 'cylinder', 'box'].includes(type)) {
    throw new TerrariumError(
      `${where}@type`,
      type,
      'a geom type Terrarium reads: sphere, capsule, cylinder, box',
    );
  }
  if (attrs.fromto !== undefined) {
    if (type !== 'capsule' && type !== 'cylinder')
      throw new TerrariumError(`${where}@fromto`, attrs.fromto, 'fromto on a capsule or cylinder only');
    need(1);
    const ft = ctx.vec(attrs.fromto, 6, `${where}@fromto`);
    const from = compose(body, { pos: [ft[0]!, ft[1]!, ft[2]!], quat: [1, 0, 0, 0] }).pos;
    const to = compose(body, { pos: [ft[3]!, ft[4]!, ft[5]!], quat: [1, 0, 0, 0] }).pos;
    return { type, from: toYUp(from), to: toYUp(to), radius: size[0]! };
  }
  const frame = compose(body, localFrame(attrs, ctx, where));
  if (type === 'sphere') {
    need(1);
    return { type, at: toYUp(frame.pos), radius: size[0]! };
  }
  if (type === 'box') {
    need(3);
    // Terrarium boxes are axis-aligned at rest: each box axis must land on a world axis.
    const half: [number, number, number] = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      const axis = toYUp(rotateVec(frame.quat, [i === 0 ? 1 : 0, i === 1 ? 1 : 0, i === 2 ? 1 : 0]));
      const k = axis.findIndex((c) => Math.abs(Math.abs(c) - 1) < 1e-6);
      if (k < 0)
        throw new TerrariumError(
          `${where}@quat`,
          attrs.quat ?? attrs.axisangle ?? attrs.euler,
          'a box whose axes stay along the world axes (Terrarium boxes are not rotated)',
        );
      half[k] = size[i]!;
    }
    return { type, at: toYUp(frame.pos), halfExtents: half };
  }
  need(2);
  const axis = rotateVec(frame.quat, [0, 0, 1]);
  const from = add(frame.pos, scale(axis, -size[1]!));
  const to = add(frame.pos, scale(axis, size[1]!));
  return { type: type as 'capsule' | 'cylinder', from: toYUp(from), to: toYUp(to), radius: size[0]! };
}

function colorOf(rgba: string | undefined, ctx: MjcfContext, where: string): string | undefined {
  if (rgba === undefined) return undefined;
  const [r, g, b] = ctx.vec(rgba, 4, `${where}@rgba`);
  const hex = (c: number) =>
    Math.round(Math.min(1, Math.max(0, c)) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${hex(r!)}${hex(g!)}${hex(b!)}`;
}

/** How the root's joints hold it: a free joint, or MuJoCo's planar trio (slide x, slide z, hinge y). */
function rootMotion(
  joints: { el: MjcfElement; attrs: Record<string, string> }[],
  frame: Frame,
  ctx: MjcfContext,
  where: string,
): boolean {
  const kinds = joints.map(({ el, attrs }) => {
    const type = el.tag === 'freejoint' ? 'free' : (attrs.type ?? 'hinge');
    if (type === 'free') return 'free';
    for (const key of ['damping', 'stiffness', 'armature'] as const) {
      if (attrs[key] !== undefined && Number(attrs[key]) !== 0)
        throw new TerrariumError(
          `${el.where}@${key}`,
          attrs[key],
          `0 on a root joint (the root moves freely in Terrarium)`,
        );
    }
    const axis = rotateVec(frame.quat, ctx.vec(attrs.axis ?? '0 0 1', 3, `${el.where}@axis`) as Vec3);
    const along = axis.findIndex((c) => Math.abs(Math.abs(c) - 1) < 1e-6);
    return `${type}-${'xyz'[along] ?? '?'}`;
  });
  const sorted = [...kinds].sort().join(',');
  if (sorted === 'free') return false;
  if (sorted === 'hinge-y,slide-x,slide-z') return true;
  throw new TerrariumError(
    `${where} joints`,
    kinds.length === 0 ? 'none' : kinds.join(', '),
    "a root body with a free joint, or the planar trio slide x, slide z, hinge y (as Gymnasium's 2-D walkers)",
  );
}

/** Walks the single body under <worldbody> into Terrarium bodies and joints. */
export function bodyTree(worldbody: MjcfElement, ctx: MjcfContext): BodyTree {
  const bodies = worldbody.children.filter((c) => c.tag === 'body');
  for (const geom of worldbody.children.filter((c) => c.tag === 'geom')) {
    const type = ctx.attrs(geom, undefined).type;
    if (type !== 'plane')
      throw new TerrariumError(
        `${geom.where}@type`,
        type ?? 'sphere',
        "a plane: the only geom Terrarium takes in <worldbody> is the floor (ignored; the ground is the task's terrain)",
      );
  }
  if (bodies.length !== 1) {
    throw new TerrariumError(
      `${worldbody.where}`,
      bodies.length,
      'exactly one body under <worldbody> (one robot, its root)',
    );
  }
  const tree: BodyTree = { bodies: [], joints: [], root: '', planar: false };
  let unnamed = 0;
  const walk = (
    el: MjcfElement,
    parentFrame: Frame,
    parent: BodyDraft | null,
    childclass: string | undefined,
  ) => {
    const cls = el.attrs.childclass ?? childclass;
    const frame = compose(parentFrame, localFrame(el.attrs, ctx, el.where));
    const jointEls = el.children
      .filter((c) => c.tag === 'joint' || c.tag === 'freejoint')
      .map((c) => ({ el: c, attrs: ctx.attrs(c, cls) }));
    let draft: BodyDraft;
    if (parent && jointEls.length === 0) {
      draft = parent;
    } else {
      if (parent && jointEls.length > 1) {
        throw new TerrariumError(
          el.where,
          jointEls.map((j) => j.attrs.name ?? j.el.tag).join(', '),
          'at most one joint in a body below the root (no ball-like joint stacks)',
        );
      }
      const jointName = parent ? jointEls[0]!.attrs.name : undefined;
      draft = {
        name: el.attrs.name ?? jointName ?? `body_${++unnamed}`,
        frame,
        shapes: [],
        parts: [],
        contype: 0,
        conaffinity: 0,
      };
      tree.bodies.push(draft);
      if (!parent) {
        tree.root = draft.name;
        tree.planar = rootMotion(jointEls, frame, ctx, el.where);
      } else {
        tree.joints.push(jointDraft(jointEls[0]!, frame, parent.name, draft.name, ctx));
      }
    }
    if (el.attrs.gravcomp !== undefined && Number(el.attrs.gravcomp) !== 0)
      throw new TerrariumError(
        `${el.where}@gravcomp`,
        el.attrs.gravcomp,
        '0 (no gravity compensation in Terrarium)',
      );
    for (const child of el.children) {
      if (child.tag === 'geom') addGeom(draft, child, ctx.attrs(child, cls), frame, ctx);
      else if (child.tag === 'inertial') {
        if (draft.frame !== frame)
          throw new TerrariumError(
            child.where,
            'inertial',
            'an <inertial> only in a body with a joint or the root (welded bodies merge into their parent)',
          );
        draft.inertial = {
          mass: ctx.number(child.attrs.mass, `${child.where}@mass`),
          pos: compose(frame, {
            pos: ctx.vec(child.attrs.pos ?? '0 0 0', 3, `${child.where}@pos`) as Vec3,
            quat: [1, 0, 0, 0],
          }).pos,
          diag: ctx.vec(child.attrs.diaginertia ?? '', 3, `${child.where}@diaginertia`) as Vec3,
        };
      }
    }
    for (const child of el.children) if (child.tag === 'body') walk(child, frame, draft, cls);
  };
  walk(bodies[0]!, IDENTITY, null, undefined);
  return tree;
}

function addGeom(
  draft: BodyDraft,
  geom: MjcfElement,
  attrs: Record<string, string>,
  frame: Frame,
  ctx: MjcfContext,
): void {
  const shape = shapeOf(geom, attrs, frame, ctx);
  const volume = shapeVolume(shape);
  if (attrs.mass !== undefined) draft.parts.push({ mass: ctx.number(attrs.mass, `${geom.where}@mass`) });
  else {
    const density = attrs.density !== undefined ? ctx.number(attrs.density, `${geom.where}@density`) : 1000;
    draft.parts.push({ mass: density * volume, density });
  }
  draft.shapes.push(shape);
  draft.color ??= colorOf(attrs.rgba, ctx, geom.where);
  draft.contype |= attrs.contype !== undefined ? ctx.number(attrs.contype, `${geom.where}@contype`) : 1;
  draft.conaffinity |=
    attrs.conaffinity !== undefined ? ctx.number(attrs.conaffinity, `${geom.where}@conaffinity`) : 1;
}

function jointDraft(
  joint: { el: MjcfElement; attrs: Record<string, string> },
  frame: Frame,
  parent: string,
  child: string,
  ctx: MjcfContext,
): JointDraft {
  const { el, attrs } = joint;
  const where = el.where;
  const type = el.tag === 'freejoint' ? 'free' : (attrs.type ?? 'hinge');
  if (type !== 'hinge' && type !== 'slide')
    throw new TerrariumError(
      `${where}@type`,
      type,
      'hinge or slide below the root (Terrarium has no ball or free joints there)',
    );
  if (attrs.ref !== undefined && Number(attrs.ref) !== 0)
    throw new TerrariumError(
      `${where}@ref`,
      attrs.ref,
      "0 below the root (the joint position is 0 at the model's pose)",
    );
  const name = attrs.name ?? `${child}_joint`;
  const limited = attrs.limited ?? (ctx.autolimits ? 'auto' : 'false');
  if (attrs.range === undefined || limited === 'false')
    throw new TerrariumError(
      `${where}@range`,
      attrs.range,
      'a range (with limited="true" or autolimits): Terrarium joints are limited',
    );
  const [lo, hi] = ctx.vec(attrs.range, 2, `${where}@range`);
  const toUnit = (v: number) => (type === 'hinge' ? ctx.angle(v) : v);
  const anchor = compose(frame, {
    pos: ctx.vec(attrs.pos ?? '0 0 0', 3, `${where}@pos`) as Vec3,
    quat: [1, 0, 0, 0],
  }).pos;
  const axis = rotateVec(frame.quat, ctx.vec(attrs.axis ?? '0 0 1', 3, `${where}@axis`) as Vec3);
  const num = (key: string) => (attrs[key] !== undefined ? ctx.number(attrs[key], `${where}@${key}`) : 0);
  return {
    name,
    type,
    parent,
    child,
    anchor: toYUp(anchor),
    axis: toYUp(axis),
    limits: [toUnit(lo!), toUnit(hi!)],
    damping: num('damping'),
    stiffness: num('stiffness'),
    armature: num('armature'),
  };
}
