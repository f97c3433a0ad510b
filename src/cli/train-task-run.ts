/**
 * The run.json that `terrarium train-task --out OUT` writes beside OUT/policy: what the policy was trained on. A
 * robot of its own is copied to OUT/robot.json and named there with its sha256, so `rollout --policy OUT` runs the
 * policy on the robot it learned on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { parseWith, TerrariumError } from '../core/errors.js';
import { robotHash, robotJson } from '../envs/robot-file.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import { RUN_ROBOT_FILE } from '../meta/checkpoint.js';
import { resolveConfigRobot } from '../meta/config-robot.js';

const runFileSchema = z
  .object({
    env: z.string(),
    /** "robot.json" beside run.json (runs from before robots were copied: the path given to --robot). */
    robot: z.string().optional(),
    robotSha256: z.string().optional(),
  })
  .passthrough();

export interface TrainTaskRun {
  env: string;
  robot?: RobotSpec;
}

/** Writes OUT/robot.json (when `robot` is set) and then OUT/run.json with `fields` and the robot's name and hash. */
export async function writeTrainTaskRun(
  dir: string,
  fields: Record<string, unknown>,
  robot: RobotSpec | undefined,
): Promise<void> {
  if (robot) await writeFileAtomic(join(dir, RUN_ROBOT_FILE), robotJson(robot));
  const named = robot ? { robot: RUN_ROBOT_FILE, robotSha256: robotHash(robot) } : {};
  const { env, ...rest } = fields;
  await writeFileAtomic(join(dir, 'run.json'), `${JSON.stringify({ env, ...named, ...rest }, null, 2)}\n`);
}

/** Reads OUT/run.json and the robot it names (verified against its recorded hash). */
export function readTrainTaskRun(dir: string): TrainTaskRun {
  const path = join(dir, 'run.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TerrariumError(
      path,
      'the file',
      'a run.json written by terrarium train-task',
      (error as Error).message,
    );
  }
  const run = parseWith(runFileSchema, json, path);
  const { env, robot, robotSha256 } = run;
  try {
    // Older runs named the --robot path as given (relative to where train-task ran) and no hash.
    const resolved = resolveConfigRobot({ env, robot, robotSha256 }, robotSha256 ? dir : '.');
    return resolved.robot ? { env, robot: resolved.robot } : { env };
  } catch (error) {
    if (!(error instanceof TerrariumError)) throw error;
    throw new TerrariumError(`${path}: ${error.path}`, error.value, error.expected);
  }
}
