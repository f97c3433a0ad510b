/**
 * A robot file, by its extension: `.xml` is MJCF (MuJoCo XML, converted by src/envs/mjcf), anything else a robot
 * spec JSON. Either way the result is a validated spec; errors name the file and the field.
 */
import { readFileSync } from 'node:fs';
import { TerrariumError } from '../core/errors.js';
import { mjcfToSpec } from './mjcf/mjcf-to-spec.js';
import { loadRobotSpec, type RobotSpec } from './robot-spec.js';

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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TerrariumError(
      '--robot',
      String(path),
      'a readable MJCF (.xml) file',
      (error as Error).message,
    );
  }
  return mjcfToSpec(text, String(path));
}

/** The validated robot spec in a .json spec or .xml MJCF file. */
export function loadRobotFile(path: string | URL): RobotSpec {
  return readRobotFile(path).spec;
}
