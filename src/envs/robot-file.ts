/**
 * Robot files: the one place a command turns `--robot FILE` (or a train config's `robot` path) into a validated
 * robot spec, and the canonical form a run stores (RUN/robot.json) with its sha256. Every command that builds an env
 * calls `loadRobotFile`: `.xml` is MJCF (MuJoCo XML, converted by src/envs/mjcf), anything else a robot spec JSON.
 *
 * The canonical form is the spec as validated (defaults filled in), `JSON.stringify(spec, null, 2)` plus a newline:
 * two files that differ only in layout or in spelling out a default are the same robot, and `sha256sum RUN/robot.json`
 * prints the hash a run records.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TerrariumError } from '../core/errors.js';
import { mjcfToSpec } from './mjcf/mjcf-to-spec.js';
import { loadRobotSpec, type RobotSpec, readRobotText, shippedRobot } from './robot-spec.js';

export interface RobotFile {
  spec: RobotSpec;
  /** MJCF items with no Terrarium meaning (renderer, solver tuning) and capped armatures; empty for JSON. */
  notes: string[];
}

export function isMjcfPath(path: string | URL): boolean {
  return String(path).toLowerCase().endsWith('.xml');
}

/** Reads a robot file (.json spec or .xml MJCF) and the conversion notes. */
export function readRobotFile(path: string | URL): RobotFile {
  if (!isMjcfPath(path)) return { spec: loadRobotSpec(path), notes: [] };
  const text = readRobotText(path, 'a readable MJCF (.xml) file');
  return mjcfToSpec(text, String(path));
}

/** Reads and validates a robot file (.json spec or .xml MJCF); errors name `field` (default `--robot`) and the path. */
export function loadRobotFile(path: string, field = '--robot'): RobotSpec {
  try {
    return readRobotFile(path).spec;
  } catch (error) {
    if (!(error instanceof TerrariumError) || field === '--robot') throw error;
    const renamed = new TerrariumError(error.path.replace(/^--robot/, field), error.value, error.expected);
    renamed.message = error.message.replace(/^--robot/, field);
    throw renamed;
  }
}

/** The bytes a run stores as robot.json. */
export function robotJson(spec: RobotSpec): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

/** sha256 (hex) of the spec's canonical form. */
export function robotHash(spec: RobotSpec): string {
  return sha256(robotJson(spec));
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a file's bytes; an unreadable file is an error naming `field`. */
export function fileHash(path: string, field: string): string {
  try {
    return sha256(readFileSync(path));
  } catch (error) {
    throw new TerrariumError(field, path, 'a readable robot file', (error as Error).message);
  }
}

/** A robot and where it came from, for messages that name both sides of a mismatch. */
export interface NamedRobot {
  spec: RobotSpec;
  /** A path, or "the shipped ant robot (robots/ant.json)". */
  source: string;
}

/** The robot an env uses when none is given. */
export function shippedRobotFor(robotName: 'ant' | 'cheetah'): NamedRobot {
  return {
    spec: shippedRobot(robotName),
    source: `the shipped ${robotName} robot (robots/${robotName}.json)`,
  };
}

/**
 * Throws unless `given` (a `--robot` on a command about an existing run) is the run's robot: the message names both
 * files and both hashes.
 */
export function checkSameRobot(given: NamedRobot, run: NamedRobot, runDir: string, field = '--robot'): void {
  const givenHash = robotHash(given.spec);
  const runHash = robotHash(run.spec);
  if (givenHash === runHash) return;
  throw new TerrariumError(
    field,
    given.source,
    `the robot the run in ${runDir} was trained with, ${run.source} (sha256 ${runHash})${field === '--robot' ? ', or no --robot' : ''}`,
    `${given.source} has sha256 ${givenHash}`,
  );
}
