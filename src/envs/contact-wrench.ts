/**
 * Contact wrenches of a robot's bodies, as MuJoCo's `cfrc_ext` (the external contact force and torque on each body,
 * about its centre of mass), from the impulses of Rapier's last physics step. The rllab ant's contact cost is
 * sum over bodies and the 6 components of clip(w, -1, 1)^2: `contactCost` returns that sum (the weight is the
 * reward's).
 */
import type { BuiltRobot } from './build-robot.js';
import { rotate } from './math3d.js';

const wrench = new Float64Array(6);
const local = { x: 0, y: 0, z: 0 };
const normal = { x: 0, y: 0, z: 0 };
const com = { x: 0, y: 0, z: 0 };
const arm = { x: 0, y: 0, z: 0 };

/** Writes body `b`'s contact wrench (force N, then torque N m about its centre of mass) into `out`. */
export function contactWrench(robot: BuiltRobot, b: number, out: Float64Array = wrench): Float64Array {
  out.fill(0);
  const body = robot.bodies[b]!;
  body.worldCom(com);
  const world = robot.world;
  const dt = world.timestep;
  for (let c = 0; c < body.numColliders(); c++) {
    const collider = body.collider(c);
    world.contactPairsWith(collider, (other) => {
      world.contactPair(collider, other, (manifold, flipped) => {
        manifold.normal(normal);
        // The normal points from the pair's first collider to its second: the force on the first is -n.
        const sign = flipped ? 1 : -1;
        const t = collider.translation();
        const q = collider.rotation();
        for (let i = 0; i < manifold.numContacts(); i++) {
          const impulse = manifold.contactImpulse(i);
          if (impulse === 0) continue;
          const p = flipped ? manifold.localContactPoint2(i, local) : manifold.localContactPoint1(i, local);
          if (!p) continue;
          const f = (sign * impulse) / dt;
          const fx = f * normal.x;
          const fy = f * normal.y;
          const fz = f * normal.z;
          // Lever arm: the contact point in world coordinates (the collider's pose on its local point) - com.
          rotate(q, [p.x, p.y, p.z], arm);
          const rx = arm.x + t.x - com.x;
          const ry = arm.y + t.y - com.y;
          const rz = arm.z + t.z - com.z;
          out[0]! += fx;
          out[1]! += fy;
          out[2]! += fz;
          out[3]! += ry * fz - rz * fy;
          out[4]! += rz * fx - rx * fz;
          out[5]! += rx * fy - ry * fx;
        }
      });
    });
  }
  return out;
}

/** sum over bodies and components of clip(contact wrench, -1, 1)^2 (rllab's ant contact cost, unweighted). */
export function contactCost(robot: BuiltRobot): number {
  let sum = 0;
  for (let b = 0; b < robot.bodies.length; b++) {
    const w = contactWrench(robot, b);
    for (let k = 0; k < 6; k++) {
      const v = Math.max(-1, Math.min(1, w[k]!));
      sum += v * v;
    }
  }
  return sum;
}
