/**
 * Frames of an MJCF model: positions and orientations (quaternions w, x, y, z, MuJoCo's order) composed from the
 * local `pos`, `quat`, `axisangle`, `euler` of bodies and geoms, and the change from MuJoCo's z-up world to
 * Terrarium's y-up one: (x, y, z) -> (x, z, -y), a rotation, so handedness and joint signs are kept.
 */
import { TerrariumError } from '../../core/errors.js';
import type { Vec3 } from '../env.js';
import type { MjcfContext } from './mjcf-context.js';

export type Quat4 = readonly [number, number, number, number];

export interface Frame {
  pos: Vec3;
  quat: Quat4;
}

export const IDENTITY: Frame = { pos: [0, 0, 0], quat: [1, 0, 0, 0] };

export function quatMul(a: Quat4, b: Quat4): Quat4 {
  const [aw, ax, ay, az] = a;
  const [bw, bx, by, bz] = b;
  return [
    aw * bw - ax * bx - ay * by - az * bz,
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
  ];
}

export function normalizeQuat(q: Quat4): Quat4 {
  const n = Math.hypot(...q);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

export function rotateVec(q: Quat4, v: Vec3): Vec3 {
  const [w, x, y, z] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [
    v[0] + w * tx + (y * tz - z * ty),
    v[1] + w * ty + (z * tx - x * tz),
    v[2] + w * tz + (x * ty - y * tx),
  ];
}

export function axisAngleQuat(axis: Vec3, angle: number): Quat4 {
  const n = Math.hypot(...axis);
  const s = Math.sin(angle / 2) / n;
  return [Math.cos(angle / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

/** MuJoCo's default euler sequence "xyz": rotations about the moving x, then y, then z axes. */
export function eulerQuat(angles: Vec3): Quat4 {
  const qx = axisAngleQuat([1, 0, 0], angles[0]);
  const qy = axisAngleQuat([0, 1, 0], angles[1]);
  const qz = axisAngleQuat([0, 0, 1], angles[2]);
  return quatMul(quatMul(qx, qy), qz);
}

/** A child frame given in `parent`'s coordinates, in world coordinates. */
export function compose(parent: Frame, local: Frame): Frame {
  const p = rotateVec(parent.quat, local.pos);
  return {
    pos: [parent.pos[0] + p[0], parent.pos[1] + p[1], parent.pos[2] + p[2]],
    quat: normalizeQuat(quatMul(parent.quat, local.quat)),
  };
}

/** A point or direction in MuJoCo's z-up world, in Terrarium's y-up world (rounded to 1e-9 to keep specs tidy). */
export function toYUp(v: Vec3): Vec3 {
  const r = (x: number) => Math.round(x * 1e9) / 1e9 + 0;
  return [r(v[0]), r(v[2]), r(-v[1])];
}

/** The frame an element's `pos` and one of `quat`, `axisangle`, `euler` give (angles in the model's unit). */
export function localFrame(attrs: Record<string, string>, ctx: MjcfContext, where: string): Frame {
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
