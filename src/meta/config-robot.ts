/**
 * A train config's `robot`: a robot file's path (read relative to the config file) or an inline spec, resolved at
 * load into the validated spec, with `robotSha256` set to its hash. A run's config.json names its own copy
 * ("robot.json", beside it) with the hash recorded when the run started; a copy edited since is an error.
 */
import { join, resolve } from 'node:path';
import { TerrariumError } from '../core/errors.js';
import { envEntry, robotRefused } from '../envs/registry.js';
import { fileHash, loadRobotFile, robotHash } from '../envs/robot-file.js';
import { parseRobotSpec, type RobotSpec } from '../envs/robot-spec.js';

interface UnresolvedRobot {
  env: string;
  robot?: string | Record<string, unknown>;
  robotSha256?: string;
}

export function resolveConfigRobot<C extends UnresolvedRobot>(
  config: C,
  baseDir = '.',
): Omit<C, 'robot'> & { robot?: RobotSpec } {
  const { robot, robotSha256 } = config;
  if (robot === undefined) {
    if (robotSha256 !== undefined)
      throw new TerrariumError('robotSha256', robotSha256, 'absent without a robot (it is the robot’s hash)');
    return config as Omit<C, 'robot'>;
  }
  const source = typeof robot === 'string' ? join(baseDir, robot) : 'an inline robot spec';
  if (!envEntry(config.env).robot) throw robotRefused(config.env, 'robot', source);
  let spec: RobotSpec;
  let fileSha: string | undefined;
  if (typeof robot === 'string') {
    const path = resolve(baseDir, robot);
    spec = loadRobotFile(path, 'robot');
    if (robotSha256 !== undefined) fileSha = fileHash(path, 'robot');
  } else spec = parseRobotSpec(robot, 'robot');
  const hash = robotHash(spec);
  // A recorded hash names the file as it was written (or the spec it holds: a file reformatted is the same robot).
  if (robotSha256 !== undefined && robotSha256 !== hash && robotSha256 !== fileSha) {
    throw new TerrariumError(
      'robotSha256',
      robotSha256,
      `the sha256 of the robot in ${source}, which is now ${fileSha ?? hash} (the robot was changed after its hash was recorded)`,
    );
  }
  return { ...config, robot: spec, robotSha256: hash };
}
