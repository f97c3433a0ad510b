import type { Command } from 'commander';
import { readRobotFile } from '../envs/robot-file.js';
import { pathOption } from './options.js';

/**
 * `terrarium robot convert FILE`: prints the validated robot spec of an MJCF (.xml) or spec (.json) file, so
 * `terrarium robot convert model.xml > robot.json` gives a spec to read and edit. Conversion notes (MuJoCo-only
 * items skipped, armatures capped) go to stderr, one line each.
 */
export function registerRobotCommand(program: Command): void {
  const robot = program.command('robot').description('robot files: convert MJCF to a robot spec');
  robot
    .command('convert')
    .description('print the robot spec (JSON) of an MJCF .xml or a spec .json file')
    .argument('<file>', 'an MJCF model (.xml) or a robot spec (.json)', pathOption('<file>'))
    .option('--quiet', 'do not print conversion notes on stderr')
    .action((file: string, options: { quiet?: boolean }) => {
      const { spec, notes } = readRobotFile(file);
      if (!options.quiet) for (const note of notes) process.stderr.write(`terrarium: note: ${note}\n`);
      process.stdout.write(`${JSON.stringify(spec, null, 2)}\n`);
    });
}
