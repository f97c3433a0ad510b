import { Command, CommanderError } from 'commander';
import { TerrariumError } from '../core/errors.js';
import { registerCommands } from './commands.js';
import { UsageError } from './usage-error.js';

/** Runs the `terrarium` CLI; resolves to the exit code (2 for usage errors, 130 on Ctrl-C). */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const program = new Command('terrarium')
    .description('Meta-reinforcement learning on simulated robots (Rapier + TensorFlow.js + Reptile).')
    .option('--debug', 'print stack traces on errors')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  await registerCommands(
    program,
    argv.slice(2).find((arg) => !arg.startsWith('-')),
  );
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof TerrariumError || error instanceof UsageError) {
      process.stderr.write(`terrarium: ${error.message}\n`);
      if (debug) process.stderr.write(`${error.stack}\n`);
      return 2;
    }
    process.stderr.write(`terrarium: ${error instanceof Error ? error.message : String(error)}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
