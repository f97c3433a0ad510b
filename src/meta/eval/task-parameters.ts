/**
 * A task's true parameters as named numbers, what context regression (context-regression.ts) tries to read back
 * from the adapted context. Legged tasks: the goal (direction x / y, target velocity, or goal position x / y), the
 * dynamics scales, whether a leg is crippled and which (one indicator a leg), the terrain kind (one indicator a kind)
 * and each kind's parameters, 0 on ground of another kind (flat ground has no slope). Ball-nav: the goal position
 * and the dynamics scales.
 */
import { MAX_LEGS } from '../../envs/task.js';
import { TERRAIN_KINDS } from '../../envs/terrain.js';

type Goal =
  | { kind: 'direction'; direction: [number, number] }
  | { kind: 'velocity'; velocity: number; direction: [number, number] }
  | { kind: 'position'; position: [number, number] };

interface AnyTask {
  goal: Goal;
  dynamics: Record<string, unknown> & { crippledLeg?: number | null };
  terrain?: { kind: string } & Record<string, unknown>;
}

const SCALES = ['massScale', 'friction', 'motorStrength', 'jointDamping', 'gravityScale'] as const;

const TERRAIN_PARAMETERS: Record<string, string[]> = {
  slope: ['angle'],
  stairs: ['stepHeight', 'stepWidth'],
  rough: ['amplitude', 'scale'],
};

function goalParameters(goal: Goal): Record<string, number> {
  switch (goal.kind) {
    case 'direction':
      return { 'goal.direction.x': goal.direction[0], 'goal.direction.y': goal.direction[1] };
    case 'velocity':
      return { 'goal.velocity': goal.velocity };
    case 'position':
      return { 'goal.position.x': goal.position[0], 'goal.position.y': goal.position[1] };
  }
}

export function taskParameters(task: unknown): Record<string, number> {
  const t = task as AnyTask;
  const out: Record<string, number> = goalParameters(t.goal);
  for (const name of SCALES) out[`dynamics.${name}`] = t.dynamics[name] as number;
  const leg = t.dynamics.crippledLeg;
  if (leg !== undefined) {
    out['dynamics.crippled'] = leg === null ? 0 : 1;
    for (let i = 0; i < MAX_LEGS; i++) out[`dynamics.crippledLeg=${i}`] = leg === i ? 1 : 0;
  }
  const terrain = t.terrain;
  if (terrain) {
    for (const kind of TERRAIN_KINDS) out[`terrain.kind=${kind}`] = terrain.kind === kind ? 1 : 0;
    for (const [kind, names] of Object.entries(TERRAIN_PARAMETERS)) {
      for (const name of names) {
        out[`terrain.${kind}.${name}`] = terrain.kind === kind ? (terrain[name] as number) : 0;
      }
    }
  }
  return out;
}
