/**
 * Sensor observation parts of a robot spec (robot-spec.ts `sensorSpecSchema`), written into an observation:
 *   contactForce  6 a body: contact force (N, world x, y, z), then torque about its centre of mass (N m), as
 *                 Gymnasium's cfrc_ext, from the last physics step's contact impulses (contact-wrench.ts);
 *   imu           7: the body's orientation quaternion (x, y, z, w; body to world), angular velocity in the body's
 *                 own frame (rad/s), as a gyro reads it;
 *   jointTorque   1 a moving joint: its actuator's force (N m, or N on a slide; joint-state.ts actuatorForce).
 */
import type { BuiltRobot } from './build-robot.js';
import { contactWrench } from './contact-wrench.js';
import { actuatorForce } from './joint-state.js';
import { rotate } from './math3d.js';
import type { RobotSpec, SensorSpec } from './robot-spec.js';

const gyro = { x: 0, y: 0, z: 0 };

/** A writer for sensor `sensor`: fills `out` from index `k` and returns the index after it. */
export type SensorWriter = (
  robot: BuiltRobot,
  action: ArrayLike<number>,
  out: Float32Array,
  k: number,
) => number;

export function sensorWriter(spec: RobotSpec, sensor: SensorSpec): SensorWriter {
  const index = (name: string) => spec.bodies.findIndex((b) => b.name === name);
  switch (sensor.sensor) {
    case 'contactForce': {
      const bodies = sensor.bodies.map(index);
      return (robot, _action, out, k) => {
        // Rapier accumulates contact impulses over its n solver substeps plus one stabilization pass: a box at
        // rest reads (n + 1) / n times its weight (measured for n = 1, 2, 4, 8), so the share n / (n + 1) is force.
        const n = robot.world.numSolverIterations;
        const share = n / (n + 1);
        for (const b of bodies) {
          const w = contactWrench(robot, b);
          for (let i = 0; i < 6; i++) out[k++] = w[i]! * share;
        }
        return k;
      };
    }
    case 'imu': {
      const b = index(sensor.body);
      return (robot, _action, out, k) => {
        const body = robot.bodies[b]!;
        const q = body.rotation();
        const w = body.angvel();
        out[k++] = q.x;
        out[k++] = q.y;
        out[k++] = q.z;
        out[k++] = q.w;
        // World angular velocity into the body frame: rotate by the conjugate quaternion.
        rotate({ x: -q.x, y: -q.y, z: -q.z, w: q.w }, [w.x, w.y, w.z], gyro);
        out[k++] = gyro.x;
        out[k++] = gyro.y;
        out[k++] = gyro.z;
        return k;
      };
    }
    case 'jointTorque':
      return (robot, action, out, k) => {
        robot.joints.forEach((joint, i) => {
          out[k++] = actuatorForce(joint, action[i] ?? 0);
        });
        return k;
      };
  }
}
