/**
 * `--robot FILE`, the same on every command that builds an env. A command that starts something new (train-task,
 * train, rollout, bench envs) builds its env with that robot; a command about an existing run (train --resume,
 * view, eval, pretrain, rollout --policy) uses the run's own robot, and a `--robot` that is not that robot is refused
 * with both files and both hashes named.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { listEnvs, robotRefused } from '../envs/registry.js';
import { checkSameRobot, loadRobotFile, type NamedRobot, shippedRobotFor } from '../envs/robot-file.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import { RUN_ROBOT_FILE } from '../meta/checkpoint.js';
import { pathOption } from './options.js';

export const RUN_ROBOT_HELP =
  "the run's robot spec file (optional: the run's own robot is used; another is refused)";

export function addRobotOption(
  command: Command,
  what = 'robot spec JSON replacing the shipped robot',
): Command {
  return command.option('--robot <file>', `${what} (legged envs; see docs/robots.md)`, pathOption('--robot'));
}

/** The robot of `--robot FILE` for env `env` (undefined without the flag). */
export function robotFlag(path: string | undefined, env: string): RobotSpec | undefined {
  if (path === undefined) return undefined;
  checkTakesRobot(env, path);
  return loadRobotFile(path);
}

function checkTakesRobot(env: string, path: string): void {
  if (!listEnvs().find((e) => e.id === env)?.robot) throw robotRefused(env, '--robot', path);
}

/** The robot a run was made with: its own copy in the run directory, or its env's shipped robot. */
export function runRobot(run: { env: string; robot?: RobotSpec }, runDir: string): NamedRobot | null {
  if (run.robot) return { spec: run.robot, source: join(runDir, RUN_ROBOT_FILE) };
  const shipped = listEnvs().find((e) => e.id === run.env)?.robot;
  return shipped ? shippedRobotFor(shipped) : null;
}

/** Refuses a `--robot FILE` that is not the robot of the run in `runDir` (nothing to do without the flag). */
export function checkRunRobotFlag(
  path: string | undefined,
  run: { env: string; robot?: RobotSpec },
  runDir: string,
): void {
  if (path === undefined) return;
  checkTakesRobot(run.env, path);
  checkSameRobot({ spec: loadRobotFile(path), source: path }, runRobot(run, runDir)!, runDir);
}
