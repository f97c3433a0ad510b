/**
 * ant: a quadruped with the Gymnasium Ant morphology (torso sphere, 4 legs x hip + ankle, 8 motors).
 * Observation (27): torso height above the terrain, torso quaternion, 8 joint angles, torso linear and angular
 * velocity, 8 joint velocities. Tasks: walking direction, goal position or target velocity, plus dynamics and
 * terrain (flat, slope, stairs, rough). Healthy while the torso is 0.2 to 1.0 m above the terrain, else terminated.
 * Reward: forward (or goalDistance) + healthy 1 - 0.5 |a|^2. Horizon 200 steps (10 s). See legged-env.ts.
 */
import { LeggedEnv, type LeggedOptions, type LeggedTask } from './legged-env.js';
import { type RobotSpec, shippedRobot } from './robot-spec.js';
import { NOMINAL_DYNAMICS } from './task.js';

export function defaultAntTask(): LeggedTask {
  return {
    goal: { kind: 'direction', direction: [1, 0] },
    dynamics: { ...NOMINAL_DYNAMICS },
    terrain: { kind: 'flat' },
  };
}

export function createAnt(
  task: LeggedTask = defaultAntTask(),
  spec: RobotSpec = shippedRobot('ant'),
  options: Partial<LeggedOptions> = {},
): LeggedEnv {
  return new LeggedEnv('ant', spec, task, options);
}
