import type { Command } from 'commander';
import { registerBenchCommand } from './bench-command.js';
import { registerEnvsCommand } from './envs-command.js';
import { registerEvalCommand } from './eval-command.js';
import { registerPretrainCommand } from './pretrain-command.js';
import { registerRolloutCommand } from './rollout-command.js';
import { registerTrainCommand } from './train-command.js';
import { registerTrainTaskCommand } from './train-task-command.js';
import { registerViewCommand } from './view-command.js';

/** Every `terrarium` subcommand; each lives in its own file and adds itself to `program`. */
export function registerCommands(program: Command): void {
  registerEnvsCommand(program);
  registerBenchCommand(program);
  registerRolloutCommand(program);
  registerTrainCommand(program);
  registerTrainTaskCommand(program);
  registerViewCommand(program);
  registerEvalCommand(program);
  registerPretrainCommand(program);
}
