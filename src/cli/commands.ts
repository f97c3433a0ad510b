import type { Command } from 'commander';
import { registerEnvsCommand } from './envs-command.js';
import { registerRolloutCommand } from './rollout-command.js';

/** Every `terrarium` subcommand; each lives in its own file and adds itself to `program`. */
export function registerCommands(program: Command): void {
  registerEnvsCommand(program);
  registerRolloutCommand(program);
}
