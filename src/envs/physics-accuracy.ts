/**
 * How faithful a robot's physics settings (substeps, solver iterations, torque update) are, measured on the bare
 * world the envs step:
 *   - joint gaps at full torque: bang-bang actions (every motor at +-1, flipping sign at random) on the hardest
 *     terrains; the mean and largest distance between a hinge's anchor on its parent and on its child (m);
 *   - blow-ups: runs whose bodies left the finite, in-bounds region under those actions;
 *   - energy drift: a robot floating without gravity, contacts or joint damping, its limbs set spinning slowly, should
 *     keep its kinetic energy; the relative change over two seconds measures what the integrator and the joint
 *     solver add or remove.
 * The physics test holds the shipped robots to stated bounds; scripts/physics-probe.ts tabulates the trade-off.
 */
import { Rng } from '../core/rng.js';
import { applyJointTorques, type BuiltRobot, buildRobot } from './build-robot.js';
import { jointGapMeter } from './joint-gap.js';
import { CONTROL_DT } from './rapier-env.js';
import type { RobotSpec } from './robot-spec.js';
import { NOMINAL_DYNAMICS } from './task.js';
import type { Terrain } from './terrain.js';

export const HARD_TERRAINS: readonly Terrain[] = [
  { kind: 'flat' },
  { kind: 'slope', angle: 0.3 },
  { kind: 'slope', angle: -0.3 },
  { kind: 'stairs', stepHeight: 0.15, stepWidth: 0.5 },
  { kind: 'rough', amplitude: 0.3, scale: 1.5, seed: 3 },
];

export interface FullTorqueReport {
  meanGap: number;
  maxGap: number;
  /** Runs (one per terrain and seed) whose root left the finite region within 50 m. */
  blowUps: number;
  runs: number;
}

/** One env step of the bare world: the spec's substeps, torques set as the env sets them. */
export function stepRobot(robot: BuiltRobot, spec: RobotSpec, action: ArrayLike<number>): void {
  for (let k = 0; k < spec.substeps; k++) {
    if (k === 0 || spec.torqueUpdate === 'substep') applyJointTorques(robot, action);
    robot.world.step();
  }
}

/** Bang-bang actions for `envSteps` on each terrain, `seeds` runs each; gaps read after every env step. */
export function fullTorqueReport(
  spec: RobotSpec,
  { envSteps = 200, seeds = 1, terrains = HARD_TERRAINS } = {},
): FullTorqueReport {
  const meter = jointGapMeter(spec);
  let sum = 0;
  let count = 0;
  let maxGap = 0;
  let blowUps = 0;
  let runs = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const rng = new Rng(5 + seed);
    for (const terrain of terrains) {
      const robot = buildRobot(spec, NOMINAL_DYNAMICS, terrain);
      const action = Float64Array.from(spec.joints, () => (rng.float() < 0.5 ? -1 : 1));
      let blewUp = false;
      for (let t = 0; t < envSteps && !blewUp; t++) {
        for (let i = 0; i < action.length; i++) if (rng.float() < 0.2) action[i] = -action[i]!;
        stepRobot(robot, spec, action);
        const p = robot.root.translation();
        if (!Number.isFinite(p.x + p.y + p.z) || Math.hypot(p.x, p.y, p.z) > 50) {
          blewUp = true;
          break;
        }
        for (const gap of meter(robot)) {
          sum += gap;
          count++;
          maxGap = Math.max(maxGap, gap);
        }
      }
      robot.world.free();
      runs++;
      if (blewUp) blowUps++;
    }
  }
  return { meanGap: sum / Math.max(count, 1), maxGap, blowUps, runs };
}

/** Kinetic energy of the robot's bodies (J): translational about each centre of mass plus rotational. */
export function kineticEnergy(robot: BuiltRobot): number {
  let energy = 0;
  for (const body of robot.bodies) {
    const v = body.linvel();
    const w = body.angvel();
    const I = body.effectiveAngularInertia();
    const Iw = [
      I.m11 * w.x + I.m12 * w.y + I.m13 * w.z,
      I.m12 * w.x + I.m22 * w.y + I.m23 * w.z,
      I.m13 * w.x + I.m23 * w.y + I.m33 * w.z,
    ];
    energy += 0.5 * body.mass() * (v.x * v.x + v.y * v.y + v.z * v.z);
    energy += 0.5 * (w.x * Iw[0]! + w.y * Iw[1]! + w.z * Iw[2]!);
  }
  return energy;
}

/**
 * Relative change of kinetic energy, |E(T) - E(0)| / E(0), of the robot floating free (no gravity, no joint
 * damping, lifted far above the ground) after `seconds`, its bodies started with small random velocities; the
 * median over `seeds` starts.
 */
export function energyDrift(spec: RobotSpec, { seconds = 2, seeds = 5 } = {}): number {
  const floating: RobotSpec = {
    ...spec,
    spawnClearance: 20,
    joints: spec.joints.map((j) => ({ ...j, damping: 0, stiffness: 0 })),
  };
  const dynamics = { ...NOMINAL_DYNAMICS, gravityScale: 0 };
  const drifts: number[] = [];
  const zero = new Float64Array(spec.joints.length);
  for (let seed = 0; seed < seeds; seed++) {
    const rng = new Rng(100 + seed);
    const robot = buildRobot(floating, dynamics, { kind: 'flat' });
    for (const body of robot.bodies) {
      const j = () => rng.uniform(-0.3, 0.3);
      body.setLinvel({ x: j(), y: j(), z: spec.planar ? 0 : j() }, true);
      body.setAngvel(spec.planar ? { x: 0, y: 0, z: j() } : { x: j(), y: j(), z: j() }, true);
    }
    // One step lets the joints make the start velocities consistent; measure from there.
    stepRobot(robot, floating, zero);
    const start = kineticEnergy(robot);
    for (let t = 0; t < Math.round(seconds / CONTROL_DT); t++) stepRobot(robot, floating, zero);
    drifts.push(Math.abs(kineticEnergy(robot) - start) / start);
    robot.world.free();
  }
  drifts.sort((a, b) => a - b);
  return drifts[Math.floor(drifts.length / 2)]!;
}
