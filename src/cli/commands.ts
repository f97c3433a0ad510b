import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every `terrarium` subcommand, each in its own file. They load lazily: a command imports only what it needs
 * (`terrarium envs` never loads TensorFlow.js), and `--help` loads them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  envs: async () => (await import('./envs-command.js')).registerEnvsCommand,
  rollout: async () => (await import('./rollout-command.js')).registerRolloutCommand,
  bench: async () => (await import('./bench-command.js')).registerBenchCommand,
  'train-task': async () => (await import('./train-task-command.js')).registerTrainTaskCommand,
  train: async () => (await import('./train-command.js')).registerTrainCommand,
  pretrain: async () => (await import('./pretrain-command.js')).registerPretrainCommand,
  eval: async () => (await import('./eval-command.js')).registerEvalCommand,
  view: async () => (await import('./view-command.js')).registerViewCommand,
  export: async () => (await import('./export-command.js')).registerExportCommand,
  robot: async () => (await import('./robot-command.js')).registerRobotCommand,
  worker: async () => (await import('./worker-command.js')).registerWorkerCommand,
};

/** Registers subcommand `name` only, or every subcommand when `name` is not one (help, typos). */
export async function registerCommands(program: Command, name?: string): Promise<void> {
  const names = name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
  for (const n of names) (await COMMANDS[n]!())(program);
}
