/**
 * Policies out of the places Terrarium leaves them, as GaussianPolicy objects:
 *   a meta-training run      RUN/config.json + RUN/checkpoints/ (the meta-init, or it adapted K steps to a task);
 *   a train-task output      OUT/policy/policy.json;
 *   a policy directory       DIR/policy.json + weights.bin;
 *   an exported model        DIR/model.json + weights.bin (`terrarium export`).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type BackendName, initBackend } from '../agents/backend.js';
import { type ExportInfo, loadExportedPolicy, MODEL_FILE, readExportedJson } from '../agents/layers-model.js';
import type { ObsNormState } from '../agents/obs-norm.js';
import { GaussianPolicy } from '../agents/policy.js';
import { parseWith, TerrariumError } from '../core/errors.js';
import { deriveSeed } from '../core/rng.js';
import { envEntry } from '../envs/registry.js';
import { type LoadedRun, loadLatestCheckpoint, readRunConfig } from './checkpoint.js';
import { isSineConfig, type RlTrainConfig } from './config.js';
import type { AdaptJob } from './meta-learner.js';
import { createJobRunner } from './pool.js';
import { runConfigPolicy } from './rl-learner.js';
import { makeMetaLearner } from './trainer.js';

export type PolicyKind = 'run' | 'policy' | 'exported';

/** What a path holds, by the files in it; null when it is none of the four. */
export function policyKind(path: string): { kind: PolicyKind; dir: string } | null {
  if (existsSync(join(path, MODEL_FILE))) return { kind: 'exported', dir: path };
  if (existsSync(join(path, 'policy.json'))) return { kind: 'policy', dir: path };
  if (existsSync(join(path, 'config.json')) && existsSync(join(path, 'checkpoints')))
    return { kind: 'run', dir: path };
  if (existsSync(join(path, 'policy', 'policy.json'))) return { kind: 'policy', dir: join(path, 'policy') };
  return null;
}

export const POLICY_PATHS =
  'a run directory (config.json + checkpoints/), a train-task output or policy directory (policy.json) ' +
  'or an exported model (model.json)';

export interface LoadPolicyOptions {
  /** Adapt a run's meta-init with the run's own inner learner for this many updates (default 0: the meta-init). */
  k?: number;
  /** The task to adapt to (required when k > 0); validated with the env's task schema. */
  task?: unknown;
  /** Seed of the adaptation's rollouts. */
  seed?: number;
  /** TensorFlow.js backend (default: the one in use, or auto). */
  backend?: BackendName;
}

/** Loads the policy at `path` (any of the four kinds; `k` and `task` apply to runs only). */
export async function loadPolicy(path: string, options: LoadPolicyOptions = {}): Promise<GaussianPolicy> {
  await initBackend(options.backend ?? 'auto');
  const found = policyKind(path);
  if (!found) throw new TerrariumError('policy', path, POLICY_PATHS);
  if (found.kind !== 'run' && (options.k ?? 0) > 0) {
    const what = found.kind === 'exported' ? 'an exported model' : 'a policy directory';
    throw new TerrariumError('--k', options.k, `0 for ${what} (only a meta-training run adapts)`);
  }
  if (found.kind === 'exported') return loadExportedPolicy(found.dir);
  if (found.kind === 'policy') return GaussianPolicy.load(found.dir);
  return runPolicy(await loadLatestCheckpoint(found.dir), options);
}

/** A run's meta-init as a policy, or (k > 0) the meta-init adapted k inner updates to `task`. */
export async function runPolicy(run: LoadedRun, options: LoadPolicyOptions = {}): Promise<GaussianPolicy> {
  if (isSineConfig(run.config)) {
    throw new TerrariumError('--run', run.config.env, 'a run of a simulated env (a sine run has no policy)');
  }
  const config = run.config as RlTrainConfig;
  const k = options.k ?? 0;
  let params = run.params;
  let obsNorm = run.obsNorm as ObsNormState | null;
  if (k > 0) {
    if (options.task === undefined)
      throw new TerrariumError('--task', undefined, 'a task to adapt to when --k > 0');
    const task = parseWith(envEntry(config.env).taskSchema, options.task, '--task');
    const learner = await makeMetaLearner(config);
    const runner = createJobRunner({ workers: 0 });
    try {
      const job = learner.job({
        iteration: run.iteration,
        taskIndex: 0,
        params,
        obsNorm,
        task,
        seed: deriveSeed(options.seed ?? 0, 0x5e7),
        steps: k,
        measureFinal: false,
      });
      const result = await runner.run(job as AdaptJob);
      params = result.params;
      obsNorm = result.obsNorm as ObsNormState | null;
    } finally {
      await runner.close();
      learner.dispose();
    }
  }
  return runConfigPolicy(config, params, obsNorm);
}

const trainTaskRunSchema = z.object({ env: z.string(), reward: z.string().optional() });

/**
 * The env the policy at `path` acts in, as recorded beside it: a run's config, a train-task output's run.json, an
 * exported model's metadata. Null where nothing records it (a policy saved by the library).
 */
export async function recordedEnv(
  path: string,
): Promise<(Required<Pick<ExportInfo, 'env' | 'observeTask'>> & Pick<ExportInfo, 'reward'>) | null> {
  const found = policyKind(path);
  if (!found) throw new TerrariumError('policy', path, POLICY_PATHS);
  if (found.kind === 'run') {
    const config = await readRunConfig(found.dir);
    if (isSineConfig(config)) return null;
    return {
      env: config.env,
      observeTask: config.observeTask,
      ...(config.reward ? { reward: config.reward } : {}),
    };
  }
  if (found.kind === 'exported') {
    const { metadata } = await readExportedJson(found.dir);
    if (metadata.env === undefined) return null;
    return {
      env: metadata.env,
      observeTask: metadata.observeTask ?? false,
      ...(metadata.reward ? { reward: metadata.reward } : {}),
    };
  }
  const runJson = join(found.dir, '..', 'run.json');
  if (!existsSync(runJson)) return null;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(runJson, 'utf8'));
  } catch (error) {
    throw new TerrariumError(runJson, found.dir, 'a train-task run.json (JSON)', (error as Error).message);
  }
  const run = parseWith(trainTaskRunSchema, json, runJson);
  return { env: run.env, observeTask: false, ...(run.reward ? { reward: run.reward } : {}) };
}
