/**
 * cheetah: the half-cheetah morphology (torso, back and front thigh/shin/foot, 6 motors) kept in the x-y plane.
 * Observation (17): root height, pitch, 6 joint angles, root vx, vy, pitch rate, 6 joint velocities.
 * Tasks: target forward velocity (goal.kind "velocity", 0 to 2 m/s) or direction (goal.kind "direction",
 * [1, 0] forward or [-1, 0] backward), plus dynamics and terrain. Never terminates by falling (like Gymnasium's
 * HalfCheetah); horizon 200 steps (10 s) as in the MAML experiments. Reward terms: see legged-env.ts.
 */
import { LeggedEnv, type LeggedOptions, type LeggedTask } from './legged-env.js';
import { type RobotSpec, shippedRobot } from './robot-spec.js';
import { NOMINAL_DYNAMICS } from './task.js';

export function defaultCheetahTask(): LeggedTask {
  return {
    goal: { kind: 'velocity', velocity: 1, direction: [1, 0] },
    dynamics: { ...NOMINAL_DYNAMICS },
    terrain: { kind: 'flat' },
  };
}

export function createCheetah(
  task: LeggedTask = defaultCheetahTask(),
  spec: RobotSpec = shippedRobot('cheetah'),
  options: Partial<LeggedOptions> = {},
): LeggedEnv {
  return new LeggedEnv('cheetah', spec, task, options);
}
