/**
 * The body tree of an MJCF model as Terrarium bodies and joints, in world coordinates at rest (y up). A body with
 * one hinge or slide joint becomes a Terrarium body; a body without joints is welded to its parent in MuJoCo, so its
 * geoms join the parent's Terrarium body; the root's joints say whether the robot is free or planar.
 */
import { TerrariumError } from '../../core/errors.js';
import type { Vec3 } from '../env.js';
import type { MjcfContext } from './mjcf-context.js';
import { compose, type Frame, IDENTITY, localFrame, rotateVec, toYUp } from './mjcf-frames.js';
import { addGeom, type GeomSink } from './mjcf-geoms.js';
import type { MjcfElement } from './mjcf-xml.js';

/** A Terrarium body being assembled from one MJCF body and the jointless bodies welded to it. */
export interface BodyDraft extends GeomSink {
  name: string;
  /** The MJCF body frame it was created from (MuJoCo world, z up). */
  frame: Frame;
  /** <inertial>: mass (kg), centre of mass (MuJoCo world) and diagonal inertia (MuJoCo body axes). */
  inertial?: { mass: number; pos: Vec3; diag: Vec3 };
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
