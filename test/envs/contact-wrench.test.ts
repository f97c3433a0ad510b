import type { RigidBody } from '@dimforge/rapier3d-simd-compat';
import { describe, expect, it } from 'vitest';
import type { BuiltRobot } from '../../src/envs/build-robot.js';
import { contactCost, contactWrench } from '../../src/envs/contact-wrench.js';
import { rotate } from '../../src/envs/math3d.js';
import { initRapier, RAPIER } from '../../src/envs/rapier.js';

await initRapier();

type V = [number, number, number];
const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V, b: V): V => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const add = (a: V, b: V, s = 1): V => [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]];
const norm = (a: V) => Math.hypot(...a);
function unitQuat(x: number, y: number, z: number, w: number) {
  const n = Math.hypot(x, y, z, w);
  return { x: x / n, y: y / n, z: z / n, w: w / n };
}
function turn(q: { x: number; y: number; z: number; w: number }, v: V): V {
  const out = { x: 0, y: 0, z: 0 };
  rotate(q, v, out);
  return [out.x, out.y, out.z];
}
const vec = (p: { x: number; y: number; z: number }): V => [p.x, p.y, p.z];

/** The unit quaternion turning unit vector `u` onto unit vector `v` (not opposite). */
function turning(u: V, v: V) {
  const [x, y, z] = cross(u, v);
  return unitQuat(x, y, z, 1 + dot(u, v));
}
const unit = (a: V): V => add([0, 0, 0], a, 1 / norm(a));

/**
 * Zero gravity, no friction: a tilted slab (body 1) and a box (body 0) turned so that one corner is its lowest point
 * along the slab's normal (its diagonal 20 degrees off the normal, so the lever arm is not along the force), that
 * corner 1 cm above the slab's top face, half a metre from its middle, the two closing at `speed`. Both are dynamic and both are
 * "robot bodies", so each is seen from either side of the contact pair. Away from the origin, so a lever arm that
 * forgets a translation is wrong. Creating the slab first flips the pair's order.
 */
function cornerOnSlab(slabFirst: boolean, density = 500, speed = 1) {
  const world = new RAPIER.World({ x: 0, y: 0, z: 0 });
  const slabRotation = unitQuat(0.2, 0.1, -0.15, 1);
  const normal = turn(slabRotation, [0, 1, 0]);
  const slabCentre: V = [2, 1, -1.5];
  const slabHalf: V = [1, 0.2, 1];
  const boxHalf: V = [0.3, 0.2, 0.25];
  const lowest: V = [0.3, -0.2, 0.25];
  const down = unit(add(add([0, 0, 0], normal, -1), unit(cross(normal, [0, 0, 1])), Math.tan(Math.PI / 9)));
  const boxRotation = turning(unit(lowest), down);
  const top = add(add(slabCentre, normal, slabHalf[1] + 0.01), unit(cross(normal, [1, 0, 0])), 0.5);
  const boxCentre = add(top, turn(boxRotation, lowest), -1);
  const make = (centre: V, rotation: typeof slabRotation, half: V, velocity: V): RigidBody => {
    const body = world.createRigidBody(
      RAPIER.RigidBodyDesc.dynamic()
        .setTranslation(...centre)
        .setRotation(rotation)
        .setLinvel(...velocity),
    );
    world.createCollider(
      RAPIER.ColliderDesc.cuboid(...half)
        .setDensity(density)
        .setFriction(0),
      body,
    );
    return body;
  };
  let slab: RigidBody | undefined;
  if (slabFirst) slab = make(slabCentre, slabRotation, slabHalf, add([0, 0, 0], normal, speed / 2));
  const box = make(boxCentre, boxRotation, boxHalf, add([0, 0, 0], normal, -speed / 2));
  slab ??= make(slabCentre, slabRotation, slabHalf, add([0, 0, 0], normal, speed / 2));
  const robot: BuiltRobot = {
    world,
    bodies: [box, slab],
    root: box,
    joints: [],
    lift: 0,
    hasSlideMotors: false,
  };
  /** The lowest corner where the box is now. */
  const corner = () => add(vec(box.translation()), turn(box.rotation(), lowest));
  return { world, robot, normal, corner };
}

/** Steps until the box feels a contact force; returns both wrenches (copies) at that step. */
function firstContact(scene: ReturnType<typeof cornerOnSlab>) {
  for (let step = 0; step < 30; step++) {
    scene.world.step();
    const onBox = Array.from(contactWrench(scene.robot, 0));
    if (onBox.some((v) => v !== 0)) return { onBox, onSlab: Array.from(contactWrench(scene.robot, 1)) };
  }
  throw new Error('the box never touched the slab');
}

describe('contactWrench (cfrc_ext: contact force and torque about the centre of mass)', () => {
  it('is zero for bodies that touch nothing', () => {
    const scene = cornerOnSlab(true);
    expect(Array.from(contactWrench(scene.robot, 0))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(contactCost(scene.robot)).toBe(0);
    scene.world.free();
  });

  for (const slabFirst of [true, false]) {
    it(`a corner on a tilted slab (${slabFirst ? 'slab' : 'box'} created first): the slab pushes the box along its normal, the box pushes back equally, and each torque is (corner - centre of mass) x force`, () => {
      const scene = cornerOnSlab(slabFirst);
      const { onBox, onSlab } = firstContact(scene);
      const force = onBox.slice(0, 3) as V;
      const size = norm(force);
      expect(size).toBeGreaterThan(0);
      // Frictionless: along the slab's normal, away from the slab.
      expect(dot(force, scene.normal)).toBeGreaterThan(0.999999 * size);
      // Newton's third law.
      for (let k = 0; k < 3; k++) expect(onSlab[k]).toBeCloseTo(-force[k]!, 9);
      const corner = scene.corner();
      const [box, slab] = scene.robot.bodies as [RigidBody, RigidBody];
      const expectations: [number[], RigidBody][] = [
        [onBox, box],
        [onSlab, slab],
      ];
      for (const [wrench, body] of expectations) {
        const arm = add(corner, vec(body.worldCom()), -1);
        const expected = cross(arm, wrench.slice(0, 3) as V);
        const torque = wrench.slice(3) as V;
        // The contact point is the corner to within the contact's penetration (well under a centimetre).
        expect(norm(add(torque, expected, -1))).toBeLessThan(0.01 * size);
        expect(norm(expected)).toBeGreaterThan(0.1 * size); // a lever arm worth checking
      }
      scene.world.free();
    });
  }

  it('contactCost sums clip(w, -1, 1)^2 over every body and component: 1 for each component past 1, w^2 below', () => {
    const hard = cornerOnSlab(true);
    const strong = Object.values(firstContact(hard)).flat();
    expect(strong.every((w) => Math.abs(w) > 1)).toBe(true);
    expect(contactCost(hard.robot)).toBe(12);
    hard.world.free();
    const soft = cornerOnSlab(true, 1, 0.05);
    const weak = Object.values(firstContact(soft)).flat();
    expect(weak.every((w) => Math.abs(w) < 1) && weak.some((w) => w !== 0)).toBe(true);
    expect(contactCost(soft.robot)).toBeCloseTo(
      weak.reduce((sum, w) => sum + w * w, 0),
      12,
    );
    soft.world.free();
  });
});
