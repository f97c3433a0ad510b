/**
 * Mass properties of a spec body: by density (Rapier integrates the shapes), by total mass (spread over the shapes
 * by volume, so the centre of mass and inertia still follow the geometry), or by mass and principal inertia given
 * outright (MuJoCo's <inertial>).
 */
import type { Vec3 } from './env.js';
import type { BodySpec, ShapeSpec } from './robot-spec.js';

/** Volume of a shape (m^3), as Rapier computes it for the collider. */
export function shapeVolume(shape: ShapeSpec): number {
  switch (shape.type) {
    case 'sphere':
      return (4 / 3) * Math.PI * shape.radius ** 3;
    case 'box':
      return 8 * shape.halfExtents[0] * shape.halfExtents[1] * shape.halfExtents[2];
    case 'capsule':
    case 'cylinder': {
      const length = Math.hypot(
        shape.to[0] - shape.from[0],
        shape.to[1] - shape.from[1],
        shape.to[2] - shape.from[2],
      );
      const cylinder = Math.PI * shape.radius ** 2 * length;
      return shape.type === 'capsule' ? cylinder + (4 / 3) * Math.PI * shape.radius ** 3 : cylinder;
    }
  }
}

function shapeCentre(shape: ShapeSpec): Vec3 {
  if (shape.type === 'sphere' || shape.type === 'box') return shape.at;
  return [
    (shape.from[0] + shape.to[0]) / 2,
    (shape.from[1] + shape.to[1]) / 2,
    (shape.from[2] + shape.to[2]) / 2,
  ];
}

/** How a body's mass enters Rapier: a density for its colliders, plus mass properties given outright (or none). */
export interface BodyMassPlan {
  /** kg/m^3 of every collider (0 when the mass properties are given outright). */
  density: number;
  /** Mass (kg), centre of mass (body frame, m) and principal inertia (kg m^2), when given outright. */
  explicit?: { mass: number; com: Vec3; inertia: Vec3 };
}

/** The mass plan of `body` with every mass multiplied by `scale` (the task's mass scales). */
export function bodyMassPlan(body: BodySpec, scale: number): BodyMassPlan {
  if (body.mass === undefined) return { density: body.density! * scale };
  const volumes = body.shapes.map(shapeVolume);
  const total = volumes.reduce((a, b) => a + b, 0);
  if (!body.inertia) return { density: (body.mass / total) * scale };
  const centre = body.centerOfMass ?? centroid(body.shapes, volumes, total);
  const com: Vec3 = [
    centre[0] - body.position[0],
    centre[1] - body.position[1],
    centre[2] - body.position[2],
  ];
  const inertia: Vec3 = [body.inertia[0] * scale, body.inertia[1] * scale, body.inertia[2] * scale];
  return { density: 0, explicit: { mass: body.mass * scale, com, inertia } };
}

function centroid(shapes: ShapeSpec[], volumes: number[], total: number): Vec3 {
  const c: [number, number, number] = [0, 0, 0];
  shapes.forEach((shape, i) => {
    const p = shapeCentre(shape);
    for (let k = 0; k < 3; k++) c[k]! += (p[k]! * volumes[i]!) / total;
  });
  return c;
}
