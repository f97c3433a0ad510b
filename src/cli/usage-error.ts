import type { CommanderError } from 'commander';

/** A mistake in how a command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `see terrarium train --help` (or `see terrarium --help` with no command), the tail of every usage error. */
export function helpHint(command?: string): string {
  return `see terrarium${command ? ` ${command}` : ''} --help`;
}

/**
 * Commander's own parse errors (`error: unknown option '--iteratons'\n(Did you mean --iterations?)`) as one
 * `field: what (did you mean ...?)` line like every other Terrarium error; `command` is the subcommand that
 * raised it (undefined: the program itself). The texts are commander 12's (lib/command.js).
 */
export function commanderUsageError(error: CommanderError, command?: string): UsageError {
  const text = error.message.replace(/^error: /, '');
  const quoted = text.match(/'([^']*)'/)?.[1] ?? '';
  const flag =
    quoted
      .split(/[ ,]/)
      .filter((part) => part.startsWith('--'))
      .pop() ?? quoted;
  const suggestion = text.match(/\(Did you mean (.+)\?\)/)?.[1];
  const didYouMean = suggestion ? ` (did you mean ${suggestion}?)` : '';
  const of = command ? ` of "${command}"` : '';
  const by = command ? ` by "${command}"` : '';
  switch (error.code) {
    case 'commander.unknownOption':
      return new UsageError(`${flag}: unknown option${of}${didYouMean}`);
    case 'commander.unknownCommand':
      return new UsageError(`${quoted}: unknown command${didYouMean}`);
    case 'commander.missingMandatoryOptionValue':
      return new UsageError(`${flag}: required${by} but not given (${quoted})`);
    case 'commander.optionMissingArgument':
      return new UsageError(`${flag}: expected a value (${quoted}), got none`);
    case 'commander.missingArgument':
      return new UsageError(`${quoted}: argument required${by} but not given`);
    case 'commander.excessArguments': {
      const [, expected, got] = text.match(/Expected (\d+) arguments? but got (\d+)/) ?? [];
      return new UsageError(`arguments: expected ${expected} for "${command}", got ${got}`);
    }
    default:
      return new UsageError(`${flag || 'arguments'}: ${text.split('\n')[0]}`);
  }
}
