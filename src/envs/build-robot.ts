import type { BodyDescription, ShapeDescription, Vec3 } from './env.js';
import { robotLegs } from './legs.js';
import { normalize, quatFromYTo, rotate, sub } from './math3d.js';
import { RAPIER } from './rapier.js';
import type { World } from './rapier-env.js';
import { CONTROL_DT } from './rapier-env.js';
import type { RobotSpec, ShapeSpec } from './robot-spec.js';
import type { LeggedDynamics } from './task.js';
import { buildTerrain, type Terrain, terrainHeightAt } from './terrain.js';

type RigidBody = ReturnType<World['createRigidBody']>;
type RevoluteJoint = InstanceType<typeof RAPIER.RevoluteImpulseJoint>;

// Robot colliders touch the terrain only (membership 2, filter 1), never each other.
const ROBOT_GROUPS = (0x0002 << 16) | 0x0001;

export interface RobotJoint {
  parent: RigidBody;
  child: RigidBody;
  /** Hinge axis in the parent's frame (= world axis at rest, bodies start unrotated). */
  axis: Vec3;
  /** Torque (N m) at action 1, including the task's motor strength (0 on the task's crippled leg). */
  torque: number;
  handle: RevoluteJoint;
}

/** A robot in its world: what the env observes and the bare benchmark loop drives. */
export interface BuiltRobot {
  world: World;
  bodies: RigidBody[];
  root: RigidBody;
  joints: RobotJoint[];
  /** Vertical shift applied to the spec so the robot spawns just above the terrain. */
  lift: number;
}

/** Body-local shape of a spec shape whose body origin is `origin`, as the viewer draws it. */
export function describeShape(shape: ShapeSpec, origin: Vec3, color: string): ShapeDescription {
  switch (shape.type) {
    case 'sphere':
      return {
        type: 'sphere',
        radius: shape.radius,
        offset: sub(shape.at, origin),
        rotation: [0, 0, 0, 1],
        color,
      };
    case 'box':
      return {
        type: 'box',
        halfExtents: shape.halfExtents,
        offset: sub(shape.at, origin),
        rotation: [0, 0, 0, 1],
        color,
      };
    case 'capsule':
    case 'cylinder': {
      const d = sub(shape.to, shape.from);
      const mid: Vec3 = [
        (shape.from[0] + shape.to[0]) / 2,
        (shape.from[1] + shape.to[1]) / 2,
        (shape.from[2] + shape.to[2]) / 2,
      ];
      const halfHeight = Math.hypot(...d) / 2;
      const rotation = quatFromYTo(normalize(d));
      return {
        type: shape.type,
        radius: shape.radius,
        halfHeight,
        offset: sub(mid, origin),
        rotation,
        color,
      };
    }
  }
}

export function describeBodies(spec: RobotSpec): BodyDescription[] {
  return spec.bodies.map((body) => ({
    name: body.name,
    shapes: body.shapes.map((shape) => describeShape(shape, body.position, body.color)),
  }));
}

function lowestPoint(spec: RobotSpec): number {
  let low = Number.POSITIVE_INFINITY;
  for (const body of spec.bodies) {
    for (const shape of body.shapes) {
      if (shape.type === 'sphere') low = Math.min(low, shape.at[1] - shape.radius);
      else if (shape.type === 'box') low = Math.min(low, shape.at[1] - shape.halfExtents[1]);
      else low = Math.min(low, Math.min(shape.from[1], shape.to[1]) - shape.radius);
    }
  }
  return low;
}

/** Highest terrain point under the robot's bodies, so it never spawns inside a slope or a step. */
function groundUnder(spec: RobotSpec, terrain: Terrain): number {
  let high = Number.NEGATIVE_INFINITY;
  for (const body of spec.bodies) {
    for (const shape of body.shapes) {
      const points = shape.type === 'sphere' || shape.type === 'box' ? [shape.at] : [shape.from, shape.to];
      for (const p of points) high = Math.max(high, terrainHeightAt(terrain, p[0], p[2]));
    }
  }
  return high;
}

function colliderDesc(shape: ShapeSpec, origin: Vec3) {
  const d = describeShape(shape, origin, '#000000');
  let desc: InstanceType<typeof RAPIER.ColliderDesc>;
  if (d.type === 'sphere') desc = RAPIER.ColliderDesc.ball(d.radius);
  else if (d.type === 'box') desc = RAPIER.ColliderDesc.cuboid(...d.halfExtents);
  else if (d.type === 'capsule') desc = RAPIER.ColliderDesc.capsule(d.halfHeight, d.radius);
  else if (d.type === 'cylinder') desc = RAPIER.ColliderDesc.cylinder(d.halfHeight, d.radius);
  else throw new Error('unreachable');
  const [qx, qy, qz, qw] = d.rotation;
  return desc.setTranslation(...d.offset).setRotation({ x: qx, y: qy, z: qz, w: qw });
}

/**
 * The one builder: a Rapier world with the terrain and the robot of `spec` under `dynamics`. Joints are impulse
 * revolute joints whose motor acts as the joint's passive spring-damper; actuation is a torque pair (see
 * `applyJointTorques`), like MuJoCo's motor actuators.
 */
export function buildRobot(spec: RobotSpec, dynamics: LeggedDynamics, terrain: Terrain): BuiltRobot {
  const world = new RAPIER.World({ x: 0, y: -9.81 * dynamics.gravityScale, z: 0 });
  world.timestep = CONTROL_DT / spec.substeps;
  world.numSolverIterations = spec.solverIterations;
  world.numInternalPgsIterations = spec.pgsIterations;
  try {
    buildTerrain(world, terrain, dynamics.friction);
    const lift = groundUnder(spec, terrain) + spec.spawnClearance - lowestPoint(spec);
    const byName = new Map<string, RigidBody>();
    const bodies = spec.bodies.map((body) => {
      const [x, y, z] = body.position;
      const desc = RAPIER.RigidBodyDesc.dynamic().setTranslation(x, y + lift, z);
      // Planar robots: the root is held in the x-y plane; the z-axis hinges keep the other bodies there.
      if (spec.planar && body.name === spec.root)
        desc.enabledTranslations(true, true, false).enabledRotations(false, false, true);
      const armature = armatureOf(spec, body.name);
      if (armature > 0) {
        const zero = { x: 0, y: 0, z: 0 };
        const inertia = { x: armature, y: armature, z: armature };
        desc.setAdditionalMassProperties(0, zero, inertia, { x: 0, y: 0, z: 0, w: 1 });
      }
      const rigid = world.createRigidBody(desc);
      const density = body.density * dynamics.massScale * (dynamics.bodyMassScale?.[body.name] ?? 1);
      for (const shape of body.shapes) {
        world.createCollider(
          colliderDesc(shape, body.position)
            .setDensity(density)
            .setFriction(dynamics.friction)
            .setCollisionGroups(ROBOT_GROUPS),
          rigid,
        );
      }
      byName.set(body.name, rigid);
      return rigid;
    });
    const crippled = new Set(dynamics.crippledLeg == null ? [] : robotLegs(spec)[dynamics.crippledLeg]);
    const joints = spec.joints.map((joint) => {
      const parent = byName.get(joint.parent)!;
      const child = byName.get(joint.child)!;
      const axis = normalize(joint.axis);
      const parentOrigin = spec.bodies.find((b) => b.name === joint.parent)!.position;
      const childOrigin = spec.bodies.find((b) => b.name === joint.child)!.position;
      const toVec = (v: Vec3) => ({ x: v[0], y: v[1], z: v[2] });
      const data = RAPIER.JointData.revolute(
        toVec(sub(joint.anchor, parentOrigin)),
        toVec(sub(joint.anchor, childOrigin)),
        toVec(axis),
      );
      const handle = world.createImpulseJoint(data, parent, child, true) as RevoluteJoint;
      handle.setLimits(joint.limits[0], joint.limits[1]);
      handle.configureMotorModel(RAPIER.MotorModel.ForceBased);
      handle.configureMotor(0, 0, joint.stiffness, joint.damping * dynamics.jointDamping);
      const strength = crippled.has(joint.name) ? 0 : dynamics.motorStrength;
      return { parent, child, axis, torque: joint.gear * strength, handle };
    });
    return { world, bodies, root: byName.get(spec.root)!, joints, lift };
  } catch (error) {
    world.free();
    throw error;
  }
}

/** Summed armature of the joints whose child is `body`. */
function armatureOf(spec: RobotSpec, body: string): number {
  return spec.joints.reduce((sum, joint) => sum + (joint.child === body ? joint.armature : 0), 0);
}

const worldAxis = { x: 0, y: 0, z: 0 };
const torqueVec = { x: 0, y: 0, z: 0 };

/** Sets each joint's torque (action in [-1, 1] times its torque) as an equal and opposite pair on its bodies. */
export function applyJointTorques(robot: BuiltRobot, action: ArrayLike<number>): void {
  for (const body of robot.bodies) body.resetTorques(false);
  for (let i = 0; i < robot.joints.length; i++) {
    const joint = robot.joints[i]!;
    const tau = action[i]! * joint.torque;
    rotate(joint.parent.rotation(), joint.axis, worldAxis);
    torqueVec.x = tau * worldAxis.x;
    torqueVec.y = tau * worldAxis.y;
    torqueVec.z = tau * worldAxis.z;
    joint.child.addTorque(torqueVec, true);
    torqueVec.x = -torqueVec.x;
    torqueVec.y = -torqueVec.y;
    torqueVec.z = -torqueVec.z;
    joint.parent.addTorque(torqueVec, true);
  }
}
