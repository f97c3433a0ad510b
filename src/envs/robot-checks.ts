/**
 * A robot spec checked as physics, after its schema: every shape has a positive volume, every axis a direction,
 * every coordinate lies within the world, names are unique, and the joints form one tree rooted at `root` (each
 * other body the child of exactly one joint, no loops). Errors name the body or joint.
 */
import { TerrariumError } from '../core/errors.js';
import type { RobotSpec, ShapeSpec } from './robot-spec.js';

/** |coordinate| of anything in a spec, and any size, in metres: the ground's half-size (terrain.ts) and more. */
export const WORLD_LIMIT = 50;
/** Densities above this (kg/m^3; osmium is 22,590) are typos. */
const MAX_DENSITY = 100_000;

type Vec3 = readonly [number, number, number];
const norm = (v: Vec3) => Math.hypot(v[0], v[1], v[2]);
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

function checkPoint(path: string, point: Vec3): void {
  if (point.some((c) => Math.abs(c) > WORLD_LIMIT)) {
    throw new TerrariumError(path, point, `a point within the world (|x|, |y|, |z| <= ${WORLD_LIMIT} m)`);
  }
}

function checkShape(path: string, shape: ShapeSpec): void {
  if (shape.type === 'box') {
    checkPoint(`${path}.at`, shape.at);
    if (shape.halfExtents.some((h) => !(h > 0) || h > WORLD_LIMIT)) {
      throw new TerrariumError(
        `${path}.halfExtents`,
        shape.halfExtents,
        `three half-extents in (0, ${WORLD_LIMIT}] m (a box with volume)`,
      );
    }
    return;
  }
  if (shape.radius > WORLD_LIMIT) {
    throw new TerrariumError(`${path}.radius`, shape.radius, `a radius <= ${WORLD_LIMIT} m`);
  }
  if (shape.type === 'sphere') {
    checkPoint(`${path}.at`, shape.at);
    return;
  }
  checkPoint(`${path}.from`, shape.from);
  checkPoint(`${path}.to`, shape.to);
  if (shape.type === 'cylinder' && norm(sub(shape.to, shape.from)) < 1e-6) {
    throw new TerrariumError(`${path}.to`, shape.to, 'a point apart from `from` (a cylinder with volume)');
  }
}

function checkUnique(names: string[], what: 'bodies' | 'joints', source: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new TerrariumError(
        `${source}.${what}["${name}"].name`,
        name,
        `a name no other ${what.slice(0, -1)} has`,
      );
    }
    seen.add(name);
  }
}

/** Throws a TerrariumError naming the body or joint of the first physical impossibility in `spec`. */
export function checkRobotPhysics(spec: RobotSpec, source = 'robot'): void {
  checkUnique(
    spec.bodies.map((b) => b.name),
    'bodies',
    source,
  );
  checkUnique(
    spec.joints.map((j) => j.name),
    'joints',
    source,
  );
  for (const body of spec.bodies) {
    const path = `${source}.bodies["${body.name}"]`;
    checkPoint(`${path}.position`, body.position);
    if (body.density !== undefined && body.density > MAX_DENSITY) {
      throw new TerrariumError(`${path}.density`, body.density, `a density <= ${MAX_DENSITY} kg/m^3`);
    }
    body.shapes.forEach((shape, i) => {
      checkShape(`${path}.shapes.${i}`, shape);
    });
  }
  const parentOf = new Map<string, string>();
  for (const joint of spec.joints) {
    const path = `${source}.joints["${joint.name}"]`;
    checkPoint(`${path}.anchor`, joint.anchor);
    if (joint.type !== 'fixed' && !(norm(joint.axis) > 1e-6)) {
      throw new TerrariumError(`${path}.axis`, joint.axis, 'a non-zero direction (unit length, or close)');
    }
    if (joint.parent === joint.child) {
      throw new TerrariumError(
        `${path}.child`,
        joint.child,
        `a body other than its parent "${joint.parent}"`,
      );
    }
    if (joint.child === spec.root) {
      throw new TerrariumError(`${path}.child`, joint.child, `a body other than the root "${spec.root}"`);
    }
    const other = parentOf.get(joint.child);
    if (other !== undefined) {
      throw new TerrariumError(
        `${path}.child`,
        joint.child,
        `a body no other joint moves (it is already the child of "${other}")`,
      );
    }
    parentOf.set(joint.child, joint.parent);
  }
  // Each non-root body has at most one parent, so walking up from it either reaches the root or loops.
  for (const body of spec.bodies) {
    const seen = new Set<string>();
    let at = body.name;
    while (at !== spec.root) {
      const parent = parentOf.get(at);
      if (parent === undefined || seen.has(at)) {
        throw new TerrariumError(
          `${source}.bodies["${body.name}"]`,
          body.name,
          `a body joined to the root "${spec.root}" by a chain of joints`,
          parent === undefined ? `"${at}" is the child of no joint` : 'its joints form a loop',
        );
      }
      seen.add(at);
      at = parent;
    }
  }
  if (spec.healthy && !(spec.healthy.minHeight < spec.healthy.maxHeight)) {
    throw new TerrariumError(
      `${source}.healthy`,
      spec.healthy,
      'minHeight < maxHeight (a healthy range that can hold)',
    );
  }
}
