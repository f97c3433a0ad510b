import { z } from 'zod';
import { parseWith } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Goal, LeggedTask } from './legged-env.js';
import {
  DEFAULT_DYNAMICS_RANGES,
  DEFAULT_TERRAIN_RANGES,
  makeTaskDistribution,
  rangeSchema,
  resolveSplit,
  sampleDynamics,
  sampleTerrain,
  splitOptionFields,
  type TaskDistribution,
} from './task.js';
import { TERRAIN_KINDS } from './terrain.js';

/** Options of a legged task distribution, as they appear in a train config's `tasks` field. */
export const leggedDistributionSchema = z
  .object({
    goal: z.enum(['direction', 'velocity', 'position']).optional(),
    /** Direction goals: any heading ("circle", the ant's default) or +x / -x ("forward-backward", as MAML's ant-dir). */
    directions: z.enum(['circle', 'forward-backward']).optional(),
    velocityRange: rangeSchema(-5, 5).optional(),
    /** Goal positions are drawn in a disc of this radius (m). */
    positionRadius: z.number().min(0).max(14).optional(),
    massScale: rangeSchema(0.1, 10).optional(),
    friction: rangeSchema(0, 5).optional(),
    motorStrength: rangeSchema(0, 5).optional(),
    jointDamping: rangeSchema(0, 10).optional(),
    gravityScale: rangeSchema(0, 3).optional(),
    perBodyMass: z.boolean().optional(),
    terrains: z
      .array(z.enum(TERRAIN_KINDS as [string, ...string[]]))
      .min(1)
      .optional(),
    slopeAngle: rangeSchema(-0.35, 0.35).optional(),
    stepHeight: rangeSchema(0, 0.25).optional(),
    stepWidth: rangeSchema(0.2, 3).optional(),
    roughAmplitude: rangeSchema(0, 0.4).optional(),
    roughScale: rangeSchema(0.2, 20).optional(),
    ...splitOptionFields,
  })
  .strict();

export type LeggedDistributionOptions = z.infer<typeof leggedDistributionSchema>;

function sampleGoal(rng: Rng, options: LeggedDistributionOptions, planar: boolean): Goal {
  switch (options.goal ?? 'direction') {
    case 'direction': {
      if (planar || options.directions === 'forward-backward')
        return { kind: 'direction', direction: [rng.float() < 0.5 ? -1 : 1, 0] };
      const angle = rng.uniform(0, 2 * Math.PI);
      return { kind: 'direction', direction: [Math.cos(angle), Math.sin(angle)] };
    }
    case 'velocity':
      return {
        kind: 'velocity',
        velocity: rng.uniform(...(options.velocityRange ?? [0, 2])),
        direction: [1, 0],
      };
    case 'position': {
      const radius = options.positionRadius ?? 3;
      const angle = rng.uniform(0, 2 * Math.PI);
      const r = radius * Math.sqrt(rng.float());
      return { kind: 'position', position: [r * Math.cos(angle), planar ? 0 : r * Math.sin(angle)] };
    }
  }
}

/** Task distribution of a legged env; `defaults` are the env's own choices, `input` the user's overrides. */
export function leggedTaskDistribution(
  env: string,
  planar: boolean,
  bodyNames: readonly string[],
  defaults: LeggedDistributionOptions,
  input: unknown = {},
): TaskDistribution<LeggedTask> {
  const options = { ...defaults, ...parseWith(leggedDistributionSchema, input ?? {}, 'tasks') };
  const d = DEFAULT_DYNAMICS_RANGES;
  const t = DEFAULT_TERRAIN_RANGES;
  const dynamics = {
    massScale: options.massScale ?? d.massScale,
    friction: options.friction ?? d.friction,
    motorStrength: options.motorStrength ?? d.motorStrength,
    jointDamping: options.jointDamping ?? d.jointDamping,
    gravityScale: options.gravityScale ?? d.gravityScale,
    perBodyMass: options.perBodyMass ?? d.perBodyMass,
  };
  const terrain = {
    kinds: (options.terrains ?? ['flat']) as typeof t.kinds,
    slopeAngle: options.slopeAngle ?? t.slopeAngle,
    stepHeight: options.stepHeight ?? t.stepHeight,
    stepWidth: options.stepWidth ?? t.stepWidth,
    roughAmplitude: options.roughAmplitude ?? t.roughAmplitude,
    roughScale: options.roughScale ?? t.roughScale,
  };
  return makeTaskDistribution<LeggedTask>(
    env,
    (rng) => ({
      goal: sampleGoal(rng, options, planar),
      dynamics: sampleDynamics(rng, dynamics, bodyNames),
      terrain: sampleTerrain(rng, terrain),
    }),
    resolveSplit(options),
  );
}
