/**
 * `terrarium export --run DIR [--k K (--task JSON | --task-seed N)] [--seed N] --out DIR2`: writes a policy as a
 * standard TensorFlow.js LayersModel (DIR2/model.json + weights.bin, observation normalization inside; see
 * src/agents/layers-model.ts). DIR is a meta-training run (its meta-init, or adapted K inner updates to a task), a
 * train-task output, a policy directory or an exported model.
 */
import type { Command } from 'commander';
import { exportPolicy } from '../agents/layers-model.js';
import { envEntry } from '../envs/registry.js';
import { readRunConfig } from '../meta/checkpoint.js';
import { isSineConfig } from '../meta/config.js';
import { loadPolicy, POLICY_PATHS, policyKind, recordedEnv } from '../meta/run-policy.js';
import { intOption, jsonOption, pathOption } from './options.js';
import { UsageError } from './usage-error.js';

interface ExportOptions {
  run: string;
  out: string;
  k: number;
  task?: unknown;
  taskSeed?: number;
  seed: number;
  json?: boolean;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'write a policy as a TensorFlow.js LayersModel (model.json + weights.bin) for tf.loadLayersModel',
    )
    .requiredOption('--run <dir>', POLICY_PATHS, pathOption('--run'))
    .requiredOption('--out <dir>', 'directory to write model.json and weights.bin to', pathOption('--out'))
    .option('--k <n>', "adapt a run's meta-init this many inner updates first", intOption('--k', 0, 1000), 0)
    .option('--task <json>', 'the task to adapt to (with --k)', jsonOption('--task'))
    .option(
      '--task-seed <n>',
      "sample the task to adapt to from the run's distribution",
      intOption('--task-seed', 0),
    )
    .option('--seed <n>', 'seed of the adaptation rollouts', intOption('--seed', 0), 0)
    .option('--json', 'print the model metadata as JSON')
    .action(async (options: ExportOptions) => {
      const task = await resolveExportTask(options);
      const policy = await loadPolicy(options.run, { k: options.k, task, seed: options.seed });
      try {
        const source = {
          path: options.run,
          kind: policyKind(options.run)!.kind,
          k: options.k,
          ...(task === undefined ? {} : { task, seed: options.seed }),
        };
        const metadata = await exportPolicy(policy, options.out, {
          ...(await recordedEnv(options.run)),
          source,
        });
        if (options.json) process.stdout.write(`${JSON.stringify({ out: options.out, ...metadata })}\n`);
        else
          process.stdout.write(
            `exported ${source.kind}${options.k > 0 ? ` adapted ${options.k} updates` : ''} ` +
              `(obs ${metadata.obsDim}, act ${metadata.actDim}) to ${options.out}/model.json\n`,
          );
      } finally {
        policy.dispose();
      }
    });
}

/** The task of --task / --task-seed: only with --k > 0 on a run (sampled from the run's own task distribution). */
async function resolveExportTask(options: ExportOptions): Promise<unknown> {
  const given = options.task !== undefined || options.taskSeed !== undefined;
  if (options.task !== undefined && options.taskSeed !== undefined) {
    throw new UsageError('--task and --task-seed: give one, not both');
  }
  if (options.k === 0) {
    if (given)
      throw new UsageError('--task / --task-seed: only with --k > 0 (the task the policy adapts to)');
    return undefined;
  }
  if (!given)
    throw new UsageError(`--k ${options.k}: needs --task JSON or --task-seed N (the task to adapt to)`);
  if (options.task !== undefined) return options.task;
  if (policyKind(options.run)?.kind !== 'run') return undefined;
  const config = await readRunConfig(options.run);
  if (isSineConfig(config)) return undefined;
  return envEntry(config.env).distribution(config.tasks).sample(1, options.taskSeed!)[0];
}
