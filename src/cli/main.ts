import { readFileSync } from 'node:fs';
import { Command, type CommanderError } from 'commander';
import { TerrariumError } from '../core/errors.js';
import { registerCommands } from './commands.js';
import { commanderUsageError, helpHint, UsageError } from './usage-error.js';

/** package.json's version, read when asked so it never drifts from the package (src/cli and dist/cli alike). */
function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** A commander error raised while parsing one subcommand's arguments (undefined: the program's own). */
class CommandParseError extends Error {
  constructor(
    readonly error: CommanderError,
    readonly command?: string,
  ) {
    super(error.message);
  }
}

/** Runs the `terrarium` CLI; resolves to the exit code (2 for usage errors, 130 on Ctrl-C, 143 on SIGTERM). */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const program = new Command('terrarium')
    .description('Meta-reinforcement learning on simulated robots (Rapier + TensorFlow.js + Reptile).')
    .version(packageVersion(), '-V, --version', 'print the version of terrarium')
    .option('--debug', 'print stack traces on errors')
    .exitOverride((error) => {
      throw new CommandParseError(error);
    })
    // Commander's own error lines are replaced by ours (commanderUsageError); help and --version still print.
    .configureOutput({ outputError: () => {} });
  const name = argv.slice(2).find((arg) => !arg.startsWith('-'));
  // `--version` alone needs no command (they load tfjs and Rapier); `--help` and typos need them all.
  const versionOnly = name === undefined && (argv.includes('--version') || argv.includes('-V'));
  if (!versionOnly) await registerCommands(program, name);
  for (const command of program.commands) {
    command.allowExcessArguments(false).exitOverride((error) => {
      throw new CommandParseError(error, command.name());
    });
  }
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    let error = caught;
    let command = program.commands.some((c) => c.name() === name) ? name : undefined;
    if (error instanceof CommandParseError) {
      if (error.error.exitCode === 0) return 0; // --help, --version
      if (error.error.code === 'commander.help') return 2; // no command given: the help went to stderr
      command = error.command;
      error = commanderUsageError(error.error, error.command);
    }
    if (error instanceof UsageError || (error instanceof TerrariumError && error.path.startsWith('--'))) {
      process.stderr.write(`terrarium: ${error.message}; ${helpHint(command)}\n`);
      if (debug) process.stderr.write(`${error.stack}\n`);
      return 2;
    }
    if (error instanceof TerrariumError) {
      process.stderr.write(`terrarium: ${error.message}\n`);
      if (debug) process.stderr.write(`${error.stack}\n`);
      return 2;
    }
    process.stderr.write(`terrarium: ${error instanceof Error ? error.message : String(error)}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
