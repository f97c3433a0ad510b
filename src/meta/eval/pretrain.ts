/**
 * The two trained baselines of `terrarium eval`, both multi-task training with no meta-learning:
 *   pretrained  one policy trained by the meta-run's own inner learner on the training tasks pooled, from the same
 *               initial params as the meta-run, for the same total env-step budget;
 *   oracle      the same training, but the policy also observes the task's parameters (makeEnv observeTask), so
 *               it needs no adaptation: an upper reference.
 *
 * One round: draw `numEnvs` training tasks (one per env copy, so every batch of episodes mixes tasks), run the
 * learner for `updatesPerRound` updates on them (the learner then measures the result on one more batch, as in the
 * meta-run's jobs), keep the updated policy. Rounds go on until the budget is spent. With the defaults this is the
 * meta-run's own work (same updates, same batches, same env steps) with the Reptile averaging replaced by
 * sequential updates on pooled tasks.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type BackendName, initBackend } from '../../agents/backend.js';
import { type LearnerConfigInput, learnerConfigSchema, makeLearner } from '../../agents/learner.js';
import { GaussianPolicy, policyConfigSchema } from '../../agents/policy.js';
import { parseWith } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { envEntry, makeVectorEnv } from '../../envs/registry.js';
import { intField, type RlTrainConfig } from '../config.js';
import { initSeed } from '../trainer.js';

export const pretrainConfigSchema = z
  .object({
    /** Learner updates per round of freshly drawn tasks (default: the run's inner.steps). */
    updatesPerRound: intField(1).optional(),
    /** Env-step budget (default: the meta-run's total env steps). */
    envSteps: intField(1).optional(),
    /** The learner (default: the run's inner learner, so the baseline gets the same updates). */
    learner: learnerConfigSchema.optional(),
    /** The oracle's policy network (default: the run's). The pretrained policy always uses the run's. */
    oraclePolicy: policyConfigSchema.optional(),
  })
  .strict();

export type PretrainConfig = z.infer<typeof pretrainConfigSchema>;

export function parsePretrainConfig(input: unknown): PretrainConfig {
  return parseWith(pretrainConfigSchema, input ?? {}, '');
}

export interface PretrainOptions {
  /** The meta-run's train config (env, tasks, learner, policy, seed). */
  config: RlTrainConfig;
  pretrain: PretrainConfig;
  oracle: boolean;
  /** Env-step budget when `pretrain.envSteps` is not set (the meta-run's). */
  envSteps: number;
  /** Writes policy/, metrics.jsonl and pretrain.json here. */
  outDir: string;
  onRound?: (line: PretrainLine) => void;
}

export interface PretrainLine {
  round: number;
  /** Mean return of the round's first batch and of its measurement batch after the updates. */
  returnBefore: number;
  returnAfter: number;
  envSteps: number;
  totalEnvSteps: number;
  budget: number;
  wallSeconds: number;
}

export interface PretrainSummary {
  kind: 'pretrained' | 'oracle';
  env: string;
  rounds: number;
  updates: number;
  envSteps: number;
  wallSeconds: number;
  finalReturn: number;
  backend: string;
}

export async function pretrain(options: PretrainOptions): Promise<PretrainSummary> {
  const { config, pretrain: settings, oracle, outDir } = options;
  const started = performance.now();
  const backend = await initBackend(config.backend as BackendName);
  const entry = envEntry(config.env);
  const distribution = entry.distribution(config.tasks);
  const budget = settings.envSteps ?? options.envSteps;
  const updatesPerRound = settings.updatesPerRound ?? config.inner.steps;
  const episodesPerUpdate = config.inner.episodesPerUpdate;
  const numEnvs = config.inner.numEnvs ?? episodesPerUpdate;
  const learnerConfig = settings.learner ?? config.inner.learner;
  const learner = makeLearner(learnerConfig as LearnerConfigInput);
  const policyConfig = oracle ? (settings.oraclePolicy ?? config.policy) : config.policy;

  const venv = await makeVectorEnv(config.env, numEnvs, {
    maxEpisodeSteps: config.maxEpisodeSteps,
    observeTask: oracle,
  });
  let policy = GaussianPolicy.create(policyConfig, venv.obsDim, venv.actDim, initSeed(config));
  await mkdir(outDir, { recursive: true });
  const metricsPath = join(outDir, 'metrics.jsonl');
  await writeFile(metricsPath, '');
  let totalEnvSteps = 0;
  let round = 0;
  let finalReturn = Number.NaN;
  try {
    while (totalEnvSteps < budget) {
      const roundStart = performance.now();
      venv.setTasks(distribution.sampleTrain(numEnvs, deriveSeed(config.seed, 0x9e7, round)));
      const result = await learner.adapt(
        policy,
        venv,
        { updates: updatesPerRound, episodesPerUpdate },
        deriveSeed(config.seed, 0x9e8, round),
      );
      policy.dispose();
      policy = result.policy;
      const { returns, envSteps } = result.stats;
      totalEnvSteps += envSteps;
      finalReturn = returns[returns.length - 1]!;
      const line: PretrainLine = {
        round,
        returnBefore: returns[0]!,
        returnAfter: finalReturn,
        envSteps,
        totalEnvSteps,
        budget,
        wallSeconds: (performance.now() - roundStart) / 1000,
      };
      await appendFile(metricsPath, `${JSON.stringify(line)}\n`);
      options.onRound?.(line);
      round++;
    }
    await policy.save(join(outDir, 'policy'));
  } finally {
    policy.dispose();
    venv.close();
  }
  const summary: PretrainSummary = {
    kind: oracle ? 'oracle' : 'pretrained',
    env: config.env,
    rounds: round,
    updates: round * updatesPerRound,
    envSteps: totalEnvSteps,
    wallSeconds: (performance.now() - started) / 1000,
    finalReturn,
    backend,
  };
  await writeFile(
    join(outDir, 'pretrain.json'),
    `${JSON.stringify({ ...summary, settings: { updatesPerRound, budget, numEnvs, episodesPerUpdate, learner: learnerConfig, policy: policyConfig } }, null, 2)}\n`,
  );
  return summary;
}
