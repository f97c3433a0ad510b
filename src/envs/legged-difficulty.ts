/**
 * How hard a legged task is, in [0, 1], relative to the training ranges it was drawn from (for the curriculum's
 * levels, curriculum.ts). The hardest of its parts sets it:
 *   terrain   slope |angle| / the range's largest |angle|; stairs stepHeight / the range's top; rough amplitude /
 *             the range's top; flat 0;
 *   dynamics  per scale (massScale, friction, motorStrength, jointDamping, gravityScale) the distance from nominal
 *             |v - 1| / the range's largest |end - 1|, a fixed scale (equal ends) not counted;
 *   crippled  a crippled leg is 1.
 * The goal (direction, velocity, position) is not a difficulty. Values beyond the ranges give more than 1; the
 * curriculum clamps them.
 */
import type { LeggedTask } from './legged-env.js';
import type { DynamicsRanges, Range, TerrainRanges } from './task.js';

const SCALES = ['massScale', 'friction', 'motorStrength', 'jointDamping', 'gravityScale'] as const;

/** x / top, 0 when the range allows no x above 0. */
function fraction(x: number, top: number): number {
  return top > 0 ? x / top : 0;
}

function largestDistance([low, high]: Range, from: number): number {
  return Math.max(Math.abs(low - from), Math.abs(high - from));
}

export function leggedDifficulty(ranges: {
  dynamics: DynamicsRanges;
  terrain: TerrainRanges;
}): (task: LeggedTask) => number {
  const { dynamics, terrain } = ranges;
  const varying = SCALES.filter((name) => dynamics[name][0] !== dynamics[name][1]);
  const terrainDifficulty = (t: LeggedTask['terrain']): number => {
    switch (t.kind) {
      case 'flat':
        return 0;
      case 'slope':
        return fraction(Math.abs(t.angle), largestDistance(terrain.slopeAngle, 0));
      case 'stairs':
        return fraction(t.stepHeight, terrain.stepHeight[1]);
      case 'rough':
        return fraction(t.amplitude, terrain.roughAmplitude[1]);
    }
  };
  return (task) => {
    const d = task.dynamics;
    const parts = varying.map((name) => fraction(Math.abs(d[name] - 1), largestDistance(dynamics[name], 1)));
    if (d.crippledLeg !== undefined && d.crippledLeg !== null) parts.push(1);
    return Math.max(terrainDifficulty(task.terrain), ...parts);
  };
}
