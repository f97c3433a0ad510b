import type { Quat, Vec3 } from './env.js';

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** The rotation taking +Y onto unit vector `d` (Rapier capsules and cylinders lie along local Y). */
export function quatFromYTo(d: Vec3): Quat {
  const w = 1 + d[1];
  if (w < 1e-9) return [1, 0, 0, 0];
  const n = Math.hypot(d[2], d[0], w);
  return [d[2] / n, 0, -d[0] / n, w / n];
}

/** Rotates v by unit quaternion q, writing into `out` (no allocation in hot loops). */
export function rotate(
  q: { x: number; y: number; z: number; w: number },
  v: Vec3,
  out: { x: number; y: number; z: number },
): void {
  const { x, y, z, w } = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  out.x = v[0] + w * tx + (y * tz - z * ty);
  out.y = v[1] + w * ty + (z * tx - x * tz);
  out.z = v[2] + w * tz + (x * ty - y * tx);
}

/** Angle (rad) of the rotation from frame p to frame c about `axis` (unit, in p's frame): 2 atan2(<q_rel.xyz, axis>, q_rel.w). */
export function hingeAngle(
  p: { x: number; y: number; z: number; w: number },
  c: { x: number; y: number; z: number; w: number },
  axis: Vec3,
): number {
  // q_rel = conj(p) * c
  const rw = p.w * c.w + p.x * c.x + p.y * c.y + p.z * c.z;
  const rx = p.w * c.x - p.x * c.w - p.y * c.z + p.z * c.y;
  const ry = p.w * c.y + p.x * c.z - p.y * c.w - p.z * c.x;
  const rz = p.w * c.z - p.x * c.y + p.y * c.x - p.z * c.w;
  let angle = 2 * Math.atan2(rx * axis[0] + ry * axis[1] + rz * axis[2], rw);
  if (angle > Math.PI) angle -= 2 * Math.PI;
  if (angle < -Math.PI) angle += 2 * Math.PI;
  return angle;
}
