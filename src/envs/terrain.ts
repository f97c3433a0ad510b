import { createNoise2D } from 'simplex-noise';
import { z } from 'zod';
import { Rng } from '../core/rng.js';
import type { ShapeDescription, Vec3 } from './env.js';
import { RAPIER } from './rapier.js';

/**
 * Terrain, a task parameter of the legged robots, built deterministically from its parameters.
 * Y is up. `slope` rises along +x; `stairs` climb along +x from x = `start`; `rough` is seeded simplex noise
 * with a flat patch around the origin, where robots spawn.
 */
export const terrainSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('flat') }).strict(),
  z
    .object({
      kind: z.literal('slope'),
      /** Incline in radians, rising along +x (negative: falling). */
      angle: z.number().min(-0.35).max(0.35),
    })
    .strict(),
  z
    .object({
      kind: z.literal('stairs'),
      stepHeight: z.number().min(0).max(0.25),
      stepWidth: z.number().min(0.2).max(3),
    })
    .strict(),
  z
    .object({
      kind: z.literal('rough'),
      /** Peak-to-mean height in metres. */
      amplitude: z.number().min(0).max(0.4),
      /** Feature size in metres. */
      scale: z.number().min(0.2).max(20),
      seed: z.number().int().min(0).max(4294967295),
    })
    .strict(),
]);

export type Terrain = z.infer<typeof terrainSchema>;
export type TerrainKind = Terrain['kind'];
export const TERRAIN_KINDS: readonly TerrainKind[] = ['flat', 'slope', 'stairs', 'rough'];

/**
 * Half-size of the ground square (metres): a robot at 5 m/s covers 50 m in a 10 s episode, so no policy reaches the
 * edge. The rough heightfield covers the central ROUGH_HALF_SIZE square (it fades to flat at its rim) and flat ground
 * surrounds it out to the same edge.
 */
export const TERRAIN_HALF_SIZE = 60;
export const ROUGH_HALF_SIZE = 20;
const CELL = 0.2;
const STAIRS_START = 1;
const SPAWN_FLAT_RADIUS = 1.2;

/** Height of the ground at (x, z), exact for every kind (bilinear over the grid for `rough`). */
export function terrainHeightAt(terrain: Terrain, x: number, z: number): number {
  switch (terrain.kind) {
    case 'flat':
      return 0;
    case 'slope':
      return Math.tan(terrain.angle) * x;
    case 'stairs':
      return x < STAIRS_START
        ? 0
        : terrain.stepHeight * (1 + Math.floor((x - STAIRS_START) / terrain.stepWidth));
    case 'rough':
      return roughHeight(terrain, x, z);
  }
}

interface Grid {
  nx: number;
  nz: number;
  size: number;
  heights: Float32Array;
}

// Heightfields are pure functions of their parameters; cache the last few so setTask/reset reuse them.
const gridCache = new Map<string, Grid>();

function roughGrid(terrain: Extract<Terrain, { kind: 'rough' }>): Grid {
  const key = JSON.stringify(terrain);
  const cached = gridCache.get(key);
  if (cached) return cached;
  const rng = new Rng(terrain.seed);
  const noise = createNoise2D(() => rng.float());
  const n = Math.round((2 * ROUGH_HALF_SIZE) / CELL);
  const heights = new Float32Array((n + 1) * (n + 1));
  for (let ix = 0; ix <= n; ix++) {
    for (let iz = 0; iz <= n; iz++) {
      const x = -ROUGH_HALF_SIZE + ix * CELL;
      const z = -ROUGH_HALF_SIZE + iz * CELL;
      // Flat at the spawn and at the rim (where the flat ground around the heightfield takes over).
      const toRim = ROUGH_HALF_SIZE - Math.max(Math.abs(x), Math.abs(z));
      const blend = Math.min(1, Math.max(0, (Math.hypot(x, z) - SPAWN_FLAT_RADIUS) / 1.0), toRim / 1.0);
      const h =
        noise(x / terrain.scale, z / terrain.scale) +
        0.5 * noise((2 * x) / terrain.scale, (2 * z) / terrain.scale);
      heights[ix * (n + 1) + iz] = (blend * terrain.amplitude * h) / 1.5;
    }
  }
  const grid = { nx: n, nz: n, size: 2 * ROUGH_HALF_SIZE, heights };
  if (gridCache.size > 16) gridCache.delete(gridCache.keys().next().value!);
  gridCache.set(key, grid);
  return grid;
}

function roughHeight(terrain: Extract<Terrain, { kind: 'rough' }>, x: number, z: number): number {
  if (Math.abs(x) >= ROUGH_HALF_SIZE || Math.abs(z) >= ROUGH_HALF_SIZE) return 0;
  const grid = roughGrid(terrain);
  const fx = Math.min(grid.nx - 1e-6, Math.max(0, (x + ROUGH_HALF_SIZE) / CELL));
  const fz = Math.min(grid.nz - 1e-6, Math.max(0, (z + ROUGH_HALF_SIZE) / CELL));
  const ix = Math.floor(fx);
  const iz = Math.floor(fz);
  const tx = fx - ix;
  const tz = fz - iz;
  const h = (i: number, k: number) => grid.heights[i * (grid.nz + 1) + k]!;
  // Rapier triangulates each cell; bilinear interpolation is within a few mm for these smooth fields.
  return (
    (1 - tx) * ((1 - tz) * h(ix, iz) + tz * h(ix, iz + 1)) +
    tx * ((1 - tz) * h(ix + 1, iz) + tz * h(ix + 1, iz + 1))
  );
}

const IDENTITY: [number, number, number, number] = [0, 0, 0, 1];
const GROUND_COLOR = '#8d9a7b';

/** Static shapes of the terrain, in world coordinates, as the viewer draws them and the builder creates them. */
export function terrainShapes(terrain: Terrain): ShapeDescription[] {
  const half = TERRAIN_HALF_SIZE;
  const slab = 0.5;
  switch (terrain.kind) {
    case 'flat':
      return [
        {
          type: 'box',
          halfExtents: [half, slab, half],
          offset: [0, -slab, 0],
          rotation: IDENTITY,
          color: GROUND_COLOR,
        },
      ];
    case 'slope': {
      // A thin box tilted about z: its top surface passes through the origin.
      const c = Math.cos(terrain.angle / 2);
      const s = Math.sin(terrain.angle / 2);
      const length = half / Math.cos(terrain.angle);
      return [
        {
          type: 'box',
          halfExtents: [length, slab, half],
          offset: [slab * Math.sin(terrain.angle), -slab * Math.cos(terrain.angle), 0],
          rotation: [0, 0, s, c],
          color: GROUND_COLOR,
        },
      ];
    }
    case 'stairs': {
      const shapes: ShapeDescription[] = [
        {
          type: 'box',
          halfExtents: [half, slab, half],
          offset: [0, -slab, 0],
          rotation: IDENTITY,
          color: GROUND_COLOR,
        },
      ];
      // Each step is a slab from its front edge to the far end, stacked on the previous one.
      for (let x0 = STAIRS_START, k = 1; x0 < half && terrain.stepHeight > 0; x0 += terrain.stepWidth, k++) {
        const hx = (half - x0) / 2;
        shapes.push({
          type: 'box',
          halfExtents: [hx, terrain.stepHeight / 2, half],
          offset: [x0 + hx, (k - 0.5) * terrain.stepHeight, 0],
          rotation: IDENTITY,
          color: k % 2 ? '#a39e88' : GROUND_COLOR,
        });
      }
      return shapes;
    }
    case 'rough': {
      const grid = roughGrid(terrain);
      return [
        {
          type: 'heightfield',
          nx: grid.nx,
          nz: grid.nz,
          heights: Array.from(grid.heights),
          size: [grid.size, grid.size],
          offset: [0, 0, 0],
          rotation: IDENTITY,
          color: GROUND_COLOR,
        },
        ...flatRing(ROUGH_HALF_SIZE, half, slab),
      ];
    }
  }
}

/** Four flat slabs (top at y = 0) covering the square ring between half-sizes `inner` and `outer`. */
function flatRing(inner: number, outer: number, slab: number): ShapeDescription[] {
  const w = (outer - inner) / 2;
  const mid = inner + w;
  const box = (halfExtents: Vec3, x: number, z: number): ShapeDescription => ({
    type: 'box',
    halfExtents,
    offset: [x, -slab, z],
    rotation: IDENTITY,
    color: GROUND_COLOR,
  });
  return [
    box([w, slab, outer], mid, 0),
    box([w, slab, outer], -mid, 0),
    box([inner, slab, w], 0, mid),
    box([inner, slab, w], 0, -mid),
  ];
}

/** Creates the terrain's colliders in `world` with the given friction; returns nothing to free (the world owns them). */
export function buildTerrain(
  world: InstanceType<typeof RAPIER.World>,
  terrain: Terrain,
  friction: number,
): void {
  if (terrain.kind === 'rough') {
    const grid = roughGrid(terrain);
    const desc = RAPIER.ColliderDesc.heightfield(grid.nz, grid.nx, grid.heights, {
      x: grid.size,
      y: 1,
      z: grid.size,
    });
    world.createCollider(desc.setFriction(friction));
  }
  for (const shape of terrainShapes(terrain)) {
    if (shape.type !== 'box') continue;
    const [hx, hy, hz] = shape.halfExtents;
    const [qx, qy, qz, qw] = shape.rotation;
    const desc = RAPIER.ColliderDesc.cuboid(hx, hy, hz)
      .setTranslation(...shape.offset)
      .setRotation({ x: qx, y: qy, z: qz, w: qw })
      .setFriction(friction);
    world.createCollider(desc);
  }
}
