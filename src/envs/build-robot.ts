import { type BodyMassPlan, bodyMassPlan } from './body-mass.js';
import type { BodyDescription, Quat, ShapeDescription, Vec3 } from './env.js';
import { robotLegs } from './legs.js';
import { normalize, quatFromYTo, rotate, sub } from './math3d.js';
import { RAPIER } from './rapier.js';
import type { World } from './rapier-env.js';
import { CONTROL_DT } from './rapier-env.js';
import { type MovingJointSpec, movingJoints, type RobotSpec, type ShapeSpec } from './robot-spec.js';
import type { LeggedDynamics } from './task.js';
import { buildTerrain, type Terrain, terrainHeightAt } from './terrain.js';

type RigidBody = ReturnType<World['createRigidBody']>;
type MotorJoint =
  | InstanceType<typeof RAPIER.RevoluteImpulseJoint>
  | InstanceType<typeof RAPIER.PrismaticImpulseJoint>;

// Without self-collision, robot colliders touch the terrain only (membership 2, filter 1), never each other.
const ROBOT_GROUPS = (0x0002 << 16) | 0x0001;
// With it: bit 0 is the terrain, bit 1 the bodies in no group, bits 2-15 the spec's collision groups.
const TERRAIN_BIT = 0x0001;
const UNGROUPED_BIT = 0x0002;
const ROBOT_BITS = 0xfffe;

export interface RobotJoint {
  /** The joint's spec (hinge or slide). */
  spec: MovingJointSpec;
  parent: RigidBody;
  child: RigidBody;
  /** Joint axis in the parent's frame (= world axis at rest, bodies start unrotated). */
  axis: Vec3;
  /** The anchor in the parent's and the child's body frame (m). */
  parentAnchor: Vec3;
  childAnchor: Vec3;
  /** Motor: force (N m, or N on a slide) at action 1, including the task's motor strength (0 on the task's
   * crippled leg). Servos: that scale. */
  torque: number;
  /** Passive spring stiffness and damping, the latter including the task's joint damping. */
  stiffness: number;
  damping: number;
  /** A motor's force over the last physics step (servos: see actuatorForce). */
  force: number;
  handle: MotorJoint;
}

/** A robot in its world: what the env observes and the bare benchmark loop drives. */
export interface BuiltRobot {
  world: World;
  bodies: RigidBody[];
  root: RigidBody;
  joints: RobotJoint[];
  /** Vertical shift applied to the spec so the robot spawns just above the terrain. */
  lift: number;
  /** Whether a slide joint has a motor (its force pair must be cleared each step, like the torques). */
  hasSlideMotors: boolean;
}

/** Body-local shape of a spec shape whose body origin is `origin`, as the viewer draws it. */
export function describeShape(shape: ShapeSpec, origin: Vec3, color: string): ShapeDescription {
  const placed = (at: Vec3, rotation: Quat = [0, 0, 0, 1]) => ({ offset: sub(at, origin), rotation, color });
  switch (shape.type) {
    case 'sphere':
      return { type: 'sphere', radius: shape.radius, ...placed(shape.at) };
    case 'box':
      return { type: 'box', halfExtents: shape.halfExtents, ...placed(shape.at) };
    case 'capsule':
    case 'cylinder': {
      const d = sub(shape.to, shape.from);
      const mid: Vec3 = [
        (shape.from[0] + shape.to[0]) / 2,
        (shape.from[1] + shape.to[1]) / 2,
        (shape.from[2] + shape.to[2]) / 2,
      ];
      const halfHeight = Math.hypot(...d) / 2;
      return {
        type: shape.type,
        radius: shape.radius,
        halfHeight,
        ...placed(mid, quatFromYTo(normalize(d))),
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
 * The one builder: a Rapier world with the terrain and the robot of `spec` under `dynamics`. Hinges and slides are
 * impulse revolute and prismatic joints whose motor acts as the joint's passive spring-damper (and a servo's
 * gains); fixed joints weld. `robot.joints` holds the moving joints, one action each (see `applyJointTorques`).
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
      const mass = bodyMassPlan(body, dynamics.massScale * (dynamics.bodyMassScale?.[body.name] ?? 1));
      addMassProperties(desc, mass, armatureOf(spec, body.name));
      const rigid = world.createRigidBody(desc);
      const groups = collisionGroups(spec, body.name);
      for (const shape of body.shapes) {
        world.createCollider(
          colliderDesc(shape, body.position)
            .setDensity(mass.density)
            .setFriction(dynamics.friction)
            .setCollisionGroups(groups),
          rigid,
        );
      }
      byName.set(body.name, rigid);
      return rigid;
    });
    const origin = (name: string) => spec.bodies.find((b) => b.name === name)!.position;
    const toVec = (v: Vec3) => ({ x: v[0], y: v[1], z: v[2] });
    const identity = { x: 0, y: 0, z: 0, w: 1 };
    const crippled = new Set(dynamics.crippledLeg == null ? [] : robotLegs(spec)[dynamics.crippledLeg]);
    const joints: RobotJoint[] = [];
    for (const joint of spec.joints) {
      const parent = byName.get(joint.parent)!;
      const child = byName.get(joint.child)!;
      const parentAnchor = sub(joint.anchor, origin(joint.parent));
      const childAnchor = sub(joint.anchor, origin(joint.child));
      if (joint.type === 'fixed') {
        const data = RAPIER.JointData.fixed(toVec(parentAnchor), identity, toVec(childAnchor), identity);
        const handle = world.createImpulseJoint(data, parent, child, true);
        if (spec.collision.selfCollision) handle.setContactsEnabled(false);
        continue;
      }
      const axis = normalize(joint.axis);
      const data =
        joint.type === 'hinge'
          ? RAPIER.JointData.revolute(toVec(parentAnchor), toVec(childAnchor), toVec(axis))
          : RAPIER.JointData.prismatic(toVec(parentAnchor), toVec(childAnchor), toVec(axis));
      const handle = world.createImpulseJoint(data, parent, child, true) as MotorJoint;
      if (spec.collision.selfCollision) handle.setContactsEnabled(false);
      handle.setLimits(joint.limits[0], joint.limits[1]);
      handle.configureMotorModel(RAPIER.MotorModel.ForceBased);
      const damping = joint.damping * dynamics.jointDamping;
      handle.configureMotor(0, 0, joint.stiffness, damping);
      joints.push({
        spec: joint,
        parent,
        child,
        axis,
        parentAnchor,
        childAnchor,
        torque: (joint.gear ?? 1) * (crippled.has(joint.name) ? 0 : dynamics.motorStrength),
        stiffness: joint.stiffness,
        damping,
        force: 0,
        handle,
      });
    }
    const hasSlideMotors = joints.some((j) => j.spec.type === 'slide' && j.spec.actuator.type === 'motor');
    return { world, bodies, root: byName.get(spec.root)!, joints, lift, hasSlideMotors };
  } catch (error) {
    world.free();
    throw error;
  }
}

/** Summed armature of the joints whose child is `body`. */
function armatureOf(spec: RobotSpec, body: string): number {
  return movingJoints(spec).reduce((sum, joint) => sum + (joint.child === body ? joint.armature : 0), 0);
}

function addMassProperties(
  desc: InstanceType<typeof RAPIER.RigidBodyDesc>,
  mass: BodyMassPlan,
  armature: number,
) {
  const identity = { x: 0, y: 0, z: 0, w: 1 };
  if (mass.explicit) {
    const { com, inertia } = mass.explicit;
    const [ix, iy, iz] = inertia;
    const inertiaVec = { x: ix + armature, y: iy + armature, z: iz + armature };
    desc.setAdditionalMassProperties(
      mass.explicit.mass,
      { x: com[0], y: com[1], z: com[2] },
      inertiaVec,
      identity,
    );
  } else if (armature > 0) {
    const zero = { x: 0, y: 0, z: 0 };
    const inertia = { x: armature, y: armature, z: armature };
    desc.setAdditionalMassProperties(0, zero, inertia, identity);
  }
}

/** Rapier collision groups (membership << 16 | filter) of a body's colliders; see the bit layout above. */
function collisionGroups(spec: RobotSpec, body: string): number {
  if (!spec.collision.selfCollision) return ROBOT_GROUPS;
  let own = 0;
  spec.collision.groups.forEach((group, i) => {
    if (group.includes(body)) own |= 1 << (i + 2);
  });
  const membership = own || UNGROUPED_BIT;
  const filter = TERRAIN_BIT | (ROBOT_BITS & ~own);
  return ((membership << 16) | filter) >>> 0;
}

const worldAxis = { x: 0, y: 0, z: 0 };
const torqueVec = { x: 0, y: 0, z: 0 };

/**
 * Drives every actuator for one physics step. Motors: force = action * gear, clipped to forceRange, applied as an
 * equal and opposite pair on the joint's bodies (a torque pair on a hinge, a force pair on a slide), like MuJoCo's
 * motor actuators. Servos: the joint's Rapier motor, solved implicitly, with the passive spring and damper folded in.
 */
export function applyJointTorques(robot: BuiltRobot, action: ArrayLike<number>): void {
  for (const body of robot.bodies) body.resetTorques(false);
  if (robot.hasSlideMotors) for (const body of robot.bodies) body.resetForces(false);
  for (let i = 0; i < robot.joints.length; i++) {
    const joint = robot.joints[i]!;
    const actuator = joint.spec.actuator;
    if (actuator.type !== 'motor') {
      driveServo(joint, action[i]!);
      continue;
    }
    let tau = action[i]! * joint.torque;
    if (actuator.forceRange) tau = Math.min(actuator.forceRange[1], Math.max(actuator.forceRange[0], tau));
    joint.force = tau;
    rotate(joint.parent.rotation(), joint.axis, worldAxis);
    torqueVec.x = tau * worldAxis.x;
    torqueVec.y = tau * worldAxis.y;
    torqueVec.z = tau * worldAxis.z;
    if (joint.spec.type === 'slide') {
      const at = joint.child.worldCom();
      joint.child.addForce(torqueVec, true);
      torqueVec.x = -torqueVec.x;
      torqueVec.y = -torqueVec.y;
      torqueVec.z = -torqueVec.z;
      joint.parent.addForceAtPoint(torqueVec, at, true);
      continue;
    }
    joint.child.addTorque(torqueVec, true);
    torqueVec.x = -torqueVec.x;
    torqueVec.y = -torqueVec.y;
    torqueVec.z = -torqueVec.z;
    joint.parent.addTorque(torqueVec, true);
  }
}

/**
 * A servo as the joint's motor: kp (target - q) - kv qdot plus the passive -k q - d qdot is one spring-damper with
 * stiffness kp + k, damping kv + d and target kp target / (kp + k) (velocity servos likewise in qdot).
 */
function driveServo(joint: RobotJoint, target: number): void {
  const actuator = joint.spec.actuator;
  const scale = joint.torque / (joint.spec.gear ?? 1);
  if (actuator.type === 'position') {
    const kp = actuator.kp * scale;
    const stiffness = kp + joint.stiffness;
    joint.handle.configureMotor((kp * target) / stiffness, 0, stiffness, actuator.kv * scale + joint.damping);
  } else if (actuator.type === 'velocity') {
    const kv = actuator.kv * scale;
    const damping = kv + joint.damping;
    joint.handle.configureMotor(0, damping > 0 ? (kv * target) / damping : 0, joint.stiffness, damping);
  }
  if (actuator.forceRange) joint.handle.setMotorMaxForce(actuator.forceRange[1] * scale);
}
