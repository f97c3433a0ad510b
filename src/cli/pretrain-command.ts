import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TerrariumError } from '../core/errors.js';
import { loadLatestCheckpoint } from '../meta/checkpoint.js';
import { isSineConfig, type RlTrainConfig } from '../meta/config.js';
import { baselineDir } from '../meta/eval/methods.js';
import { parsePretrainConfig, pretrain } from '../meta/eval/pretrain.js';
import { intOption } from './options.js';

interface PretrainCliOptions {
  run: string;
  config?: string;
  oracle?: boolean;
  envSteps?: number;
  json?: boolean;
}

async function readPretrainConfig(path: string | undefined) {
  if (path === undefined) return parsePretrainConfig({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new TerrariumError('--config', path, 'a readable JSON file');
  }
  try {
    return parsePretrainConfig(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) throw new TerrariumError('--config', path, 'valid JSON', error.message);
    throw error;
  }
}

export function registerPretrainCommand(program: Command): void {
  program
    .command('pretrain')
    .description(
      "train eval's baselines for a run: the multi-task pretrained init (or --oracle) on the pooled training tasks",
    )
    .requiredOption(
      '--run <dir>',
      'run directory of `terrarium train` (its config, learner and env-step budget)',
    )
    .option('--config <file>', "pretrain settings JSON (see configs/*-pretrain.json); default: the run's own")
    .option('--oracle', 'train the oracle (observes the task parameters) instead; writes RUN/oracle/')
    .option('--env-steps <n>', "env-step budget (default: the run's)", intOption('--env-steps', 1))
    .option('--json', 'print the summary as JSON')
    .action(async (options: PretrainCliOptions) => {
      const run = await loadLatestCheckpoint(options.run);
      if (isSineConfig(run.config)) {
        throw new TerrariumError('--run', options.run, 'an RL run (the sine toy has no pretrained baseline)');
      }
      const settings = await readPretrainConfig(options.config);
      if (options.envSteps !== undefined) settings.envSteps = options.envSteps;
      const outDir = baselineDir(options.run, options.oracle ? 'oracle' : 'pretrained');
      const summary = await pretrain({
        config: run.config as RlTrainConfig,
        pretrain: settings,
        oracle: options.oracle === true,
        envSteps: run.checkpoint.envSteps,
        outDir,
        onRound: (line) => {
          if (options.json) return;
          process.stderr.write(
            `round ${line.round + 1}  return ${line.returnBefore.toFixed(2)} -> ${line.returnAfter.toFixed(2)}` +
              `  env steps ${line.totalEnvSteps}/${line.budget}  ${line.wallSeconds.toFixed(2)} s\n`,
          );
        },
      });
      process.stdout.write(
        options.json
          ? `${JSON.stringify(summary)}\n`
          : `${summary.kind}: ${summary.updates} updates, ${summary.envSteps} env steps, ` +
              `${summary.wallSeconds.toFixed(1)} s, final return ${summary.finalReturn.toFixed(2)}; wrote ${outDir}\n`,
      );
    });
}
