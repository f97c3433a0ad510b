/**
 * How far a robot's joints have come apart: for each moving joint, the distance between its anchor as carried by the
 * parent body and as carried by the child (m). Rapier's impulse joints are solved iteratively, so a strong motor on
 * a light limb opens a small gap; this is how the body specs' stability is measured (scripts/body-probe.ts, tests).
 */
import type { BuiltRobot } from './build-robot.js';
import type { Vec3 } from './env.js';
import { rotate, sub } from './math3d.js';
import { movingJoints, type RobotSpec } from './robot-spec.js';

export type JointGapMeter = (robot: BuiltRobot) => Float64Array;

/** A meter for robots built from `spec`: returns one gap per joint (reusing its output array). */
export function jointGapMeter(spec: RobotSpec): JointGapMeter {
  const anchors = movingJoints(spec).map((j) => {
    const parent = spec.bodies.find((b) => b.name === j.parent)!.position;
    const child = spec.bodies.find((b) => b.name === j.child)!.position;
    return { parent: sub(j.anchor, parent), child: sub(j.anchor, child) };
  });
  const gaps = new Float64Array(anchors.length);
  const a = { x: 0, y: 0, z: 0 };
  const b = { x: 0, y: 0, z: 0 };
  const place = (body: BuiltRobot['bodies'][number], local: Vec3, out: typeof a) => {
    rotate(body.rotation(), local, out);
    const t = body.translation();
    out.x += t.x;
    out.y += t.y;
    out.z += t.z;
  };
  return (robot) => {
    robot.joints.forEach((joint, i) => {
      place(joint.parent, anchors[i]!.parent, a);
      place(joint.child, anchors[i]!.child, b);
      gaps[i] = Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);
    });
    return gaps;
  };
}
