/**
 * MJCF geoms as Terrarium shapes in world coordinates at rest (y up): spheres, capsules and cylinders (by `fromto`
 * or by their frame and half-length), axis-aligned boxes; each adds its mass (density x volume, or its own `mass`),
 * colour and contact bits to the body it joins.
 */
import { TerrariumError } from '../../core/errors.js';
import { shapeVolume } from '../body-mass.js';
import type { Vec3 } from '../env.js';
import type { ShapeSpec } from '../robot-spec.js';
import type { MjcfContext } from './mjcf-context.js';
import { compose, type Frame, localFrame, rotateVec, toYUp } from './mjcf-frames.js';
import type { MjcfElement } from './mjcf-xml.js';

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

/** What geoms add to: a Terrarium body being assembled (mjcf-bodies.ts BodyDraft). */
export interface GeomSink {
  shapes: ShapeSpec[];
  /** Per shape: its mass (kg) and the density it came from (undefined: the geom gave a mass). */
  parts: { mass: number; density?: number }[];
  color?: string;
  contype: number;
  conaffinity: number;
}

export function addGeom(
  draft: GeomSink,
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
