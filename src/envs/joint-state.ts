/**
 * Position and velocity of a robot's moving joint, read from its two Rapier bodies: a hinge's angle (rad) and rate
 * about its axis, a slide's offset (m) and rate along it, both 0 at rest and signed along the parent's axis.
 */
import type { RobotJoint } from './build-robot.js';
import type { Vec3 } from './env.js';
import { hingeAngle, rotate } from './math3d.js';

const axis = { x: 0, y: 0, z: 0 };
const a = { x: 0, y: 0, z: 0 };
const b = { x: 0, y: 0, z: 0 };

type Body = RobotJoint['parent'];

/** World position of a body-frame point. */
function place(body: Body, local: Vec3, out: typeof a): void {
  rotate(body.rotation(), local, out);
  const t = body.translation();
  out.x += t.x;
  out.y += t.y;
  out.z += t.z;
}

/** Velocity (m/s) of the body's material point at world `p`, added with `sign` into `out`. */
function addPointVelocity(body: Body, p: typeof a, sign: number, out: typeof a): void {
  const v = body.linvel();
  const w = body.angvel();
  const c = body.worldCom();
  const rx = p.x - c.x;
  const ry = p.y - c.y;
  const rz = p.z - c.z;
  out.x += sign * (v.x + w.y * rz - w.z * ry);
  out.y += sign * (v.y + w.z * rx - w.x * rz);
  out.z += sign * (v.z + w.x * ry - w.y * rx);
}

export function jointPosition(joint: RobotJoint): number {
  if (joint.spec.type === 'hinge')
    return hingeAngle(joint.parent.rotation(), joint.child.rotation(), joint.axis);
  rotate(joint.parent.rotation(), joint.axis, axis);
  place(joint.child, joint.childAnchor, a);
  place(joint.parent, joint.parentAnchor, b);
  return (a.x - b.x) * axis.x + (a.y - b.y) * axis.y + (a.z - b.z) * axis.z;
}

export function jointVelocity(joint: RobotJoint): number {
  rotate(joint.parent.rotation(), joint.axis, axis);
  if (joint.spec.type === 'hinge') {
    const wc = joint.child.angvel();
    const wp = joint.parent.angvel();
    return (wc.x - wp.x) * axis.x + (wc.y - wp.y) * axis.y + (wc.z - wp.z) * axis.z;
  }
  place(joint.child, joint.childAnchor, a);
  b.x = 0;
  b.y = 0;
  b.z = 0;
  addPointVelocity(joint.child, a, 1, b);
  addPointVelocity(joint.parent, a, -1, b);
  return b.x * axis.x + b.y * axis.y + b.z * axis.z;
}

/**
 * The force (N m, or N) the joint's actuator applies: a motor's clipped gear * action of the last physics step; a
 * servo's law kp (target - q) - kv qdot (velocity: kv (target - qdot)) on the current state, clipped to its range.
 */
export function actuatorForce(joint: RobotJoint, action: number): number {
  const actuator = joint.spec.actuator;
  if (actuator.type === 'motor') return joint.force;
  const scale = joint.torque / (joint.spec.gear ?? 1);
  const qdot = jointVelocity(joint);
  const force =
    actuator.type === 'position'
      ? scale * (actuator.kp * (action - jointPosition(joint)) - actuator.kv * qdot)
      : scale * actuator.kv * (action - qdot);
  const limit = actuator.forceRange ? actuator.forceRange[1] * scale : Number.POSITIVE_INFINITY;
  return Math.max(-limit, Math.min(limit, force));
}
