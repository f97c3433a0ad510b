import type { Command } from 'commander';
import { parseWith } from '../core/errors.js';
import { type RewardPreset, rewardPresetSchema } from '../envs/reward-presets.js';
import { UsageError } from './usage-error.js';

/** Commander option parsers that reject bad values with a one-line message naming the flag. */
export function intOption(flag: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  const expected = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`${flag}: expected an integer ${expected}, got "${value.slice(0, 200)}"`);
    return n;
  };
}

export function numberOption(flag: string, min = -Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new UsageError(`${flag}: expected a number >= ${min}, got "${value}"`);
    return n;
  };
}

export function jsonOption(flag: string) {
  return (value: string): unknown => {
    try {
      return JSON.parse(value);
    } catch (error) {
      throw new UsageError(
        `${flag}: expected JSON, got ${JSON.stringify(value)} (${(error as Error).message})`,
      );
    }
  };
}

/** `--env ID [--task JSON | --task-seed N]`: how every single-task command picks its env and task (see resolveTask). */
export function addTaskOptions(command: Command): Command {
  return command
    .requiredOption('--env <id>', 'environment id (see `terrarium envs`)')
    .option(
      '--task <json>',
      'task fields as JSON over the env\'s default task, e.g. {"dynamics":{"friction":0.3}} or, for dynamics, ' +
        '{"friction":0.3} (fields: `terrarium envs`)',
      jsonOption('--task'),
    )
    .option(
      '--task-seed <n>',
      'sample the task from the env distribution with this seed',
      intOption('--task-seed', 0),
    );
}

/** `--reward PRESET` of the single-task commands, validated under the flag's name (undefined: the env's default). */
export function rewardFlag(value: string | undefined): RewardPreset | undefined {
  return value === undefined ? undefined : parseWith(rewardPresetSchema, value, '--reward');
}

/** A file or directory path: an empty one is a usage error naming the flag (not a raw ENOENT later). */
export function pathOption(flag: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new UsageError(`${flag}: expected a path, got ${JSON.stringify(value)}`);
    return value;
  };
}
