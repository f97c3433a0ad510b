/**
 * The RL meta-level learner: the meta-parameters are a GaussianPolicy's flat weights (src/agents), a task is an env
 * task, and adapting runs a src/agents Learner (VPG, PPO) for k updates on copies of the env set to that task.
 *
 * `runRlJob` is what a worker thread (or the main thread with `workers: 0`) executes: it keeps its env copies,
 * policy and learner across jobs (one set per distinct spec), so a job costs only the adaptation itself.
 *
 * Obs-norm: the statistics gathered while adapting to each task are pooled into the meta-init's (see poolObsNorm).
 */

import { type BackendName, initBackend } from '../agents/backend.js';
import { createEpisodeCollector, type EpisodeCollector } from '../agents/episode-collector.js';
import { type AdaptHooks, type Learner, type LearnerConfigInput, makeLearner } from '../agents/learner.js';
import { mergeObsNorm, type ObsNormState } from '../agents/obs-norm.js';
import { GaussianPolicy } from '../agents/policy.js';
import type { RolloutBatch } from '../agents/rollout.js';
import { TerrariumError } from '../core/errors.js';
import { deriveSeed } from '../core/rng.js';
import { zeroContexts } from '../envs/context-input.js';
import type { TaskCurriculum } from '../envs/curriculum.js';
import { envDims, envEntry, makeVectorEnv } from '../envs/registry.js';
import type { TaskDistribution } from '../envs/task.js';
import { taskFeatures } from '../envs/task-features.js';
import type { VectorEnv } from '../envs/vector-env.js';
import type { RlTrainConfig } from './config.js';
import {
  type AdaptJob,
  type AdaptResult,
  type AdaptStats,
  jobBase,
  type MetaLearner,
  type RlJobSpec,
} from './meta-learner.js';

export async function rlMetaLearner(config: RlTrainConfig): Promise<MetaLearner> {
  const backend = await initBackend(config.backend as BackendName);
  const entry = envEntry(config.env);
  const distribution = entry.distribution(config.tasks, config.robot);
  const spec: RlJobSpec = {
    env: config.env,
    ...(config.robot ? { robot: config.robot } : {}),
    maxEpisodeSteps: config.maxEpisodeSteps,
    ...(config.reward ? { reward: config.reward } : {}),
    observeTask: config.observeTask,
    policy: config.policy,
    learner: config.inner.learner,
    steps: config.inner.steps,
    episodesPerUpdate: config.inner.episodesPerUpdate,
    numEnvs: config.inner.numEnvs ?? config.inner.episodesPerUpdate,
    rolloutThreads: config.inner.rolloutThreads ?? null,
    weights: config.inner.weights ?? null,
    backend: config.backend,
  };
  return {
    kind: 'rl',
    backend,
    init: async (seed) => {
      const obsDim = policyObsDim(config);
      const policy = GaussianPolicy.create(
        config.policy,
        obsDim,
        envDims(config.env, config.robot).actDim,
        seed,
      );
      try {
        return { params: policy.getParams(), obsNorm: policy.getObsNorm() };
      } finally {
        policy.dispose();
      }
    },
    sampleTasks: (n, seed, level) =>
      level === undefined
        ? distribution.sampleTrain(n, seed)
        : curriculumOf(distribution).sampleTrain(n, seed, level),
    curriculum: distribution.curriculum?.options ?? null,
    job: (fields) => {
      const { base, steps } = jobBase(fields);
      return { ...base, kind: 'rl', spec: { ...spec, steps: steps ?? spec.steps } };
    },
    mergeObsNorm: (init, adapted) =>
      config.obsNorm === 'frozen' || init === null
        ? init
        : poolObsNorm(
            init as ObsNormState,
            adapted.filter((s): s is ObsNormState => s !== null),
          ),
    dispose: () => {},
  };
}

function curriculumOf<Task>(distribution: TaskDistribution<Task>): TaskCurriculum<Task> {
  if (!distribution.curriculum)
    throw new TerrariumError('tasks.curriculum', undefined, 'set to sample by level');
  return distribution.curriculum;
}

/** The policy's input size: the env's observation, then (observeTask) the task's features, then the context. */
export function policyObsDim(
  config: Pick<RlTrainConfig, 'env' | 'tasks' | 'observeTask' | 'robot'> & {
    policy: { contextDim?: number };
  },
): number {
  const entry = envEntry(config.env);
  const { obsDim } = envDims(config.env, config.robot);
  const context = config.policy.contextDim ?? 0;
  if (!config.observeTask) return obsDim + context;
  const task = entry.distribution(config.tasks, config.robot).testTasks(1)[0];
  return obsDim + taskFeatures(task).length + context;
}

/** A policy of `config`'s network holding `params` and `obsNorm` (tfjs initialized; the caller disposes it). */
export function runConfigPolicy(
  config: RlTrainConfig,
  params: Float32Array,
  obsNorm: ObsNormState | null,
): GaussianPolicy {
  const { actDim } = envDims(config.env, config.robot);
  const policy = GaussianPolicy.create(config.policy, policyObsDim(config), actDim, 0);
  try {
    policy.setParams(params);
    if (obsNorm) policy.setObsNorm(obsNorm);
    return policy;
  } catch (error) {
    policy.dispose();
    throw error;
  }
}

/**
 * The meta-init's statistics plus what each task's adaptation added to them, as if one running estimate had seen
 * every observation of the meta-batch (each adapted state is init merged with that task's observations).
 */
export function poolObsNorm(init: ObsNormState, adapted: readonly ObsNormState[]): ObsNormState {
  return adapted.reduce((pooled, state) => mergeObsNorm(pooled, unmergeObsNorm(state, init)), init);
}

/** The statistics B with merge(part, B) = total (Chan et al.'s update solved for B). */
export function unmergeObsNorm(total: ObsNormState, part: ObsNormState): ObsNormState {
  const count = total.count - part.count;
  if (count <= 0) return { mean: total.mean.map(() => 0), var: total.var.map(() => 1), count: 0 };
  const mean = total.mean.map((m, i) => (m * total.count - part.mean[i]! * part.count) / count);
  const variance = total.var.map((v, i) => {
    const delta = mean[i]! - part.mean[i]!;
    const m2 =
      v * total.count - part.var[i]! * part.count - (delta * delta * part.count * count) / total.count;
    return Math.max(0, m2 / count);
  });
  return { mean, var: variance, count };
}

// ---- the job side: runs in whichever thread executes the job ----

interface Workspace {
  venv: VectorEnv<unknown>;
  /** With `spec.rolloutThreads`: collects the rollouts on that many threads. */
  collector: EpisodeCollector | null;
  policy: GaussianPolicy;
  learner: Learner;
  /** The context learner's weight phase. */
  weights: { updates: number; learner: Learner } | null;
}

const workspaces = new Map<string, Promise<Workspace>>();

/** A job's first task (a job holds one task, or one per env copy). */
const firstTask = (task: unknown) => (Array.isArray(task) ? task[0] : task);

/** Jobs share a workspace when they need the same env, policy and learner (an oracle: the same task inputs too). */
const workspaceKey = (job: Extract<AdaptJob, { kind: 'rl' }>) =>
  JSON.stringify({
    ...job.spec,
    steps: 0,
    taskInputs: job.spec.observeTask ? taskFeatures(firstTask(job.task)).length : 0,
  });

/** The last job queued on each workspace: jobs sharing one run one at a time (two trainers in one thread). */
const turns = new Map<string, Promise<unknown>>();

/**
 * The job spec's env copies, policy and learners; `task` (a job's task, or one per copy) fixes the oracle's
 * observation size.
 */
function workspace(spec: RlJobSpec, key: string, task: unknown): Promise<Workspace> {
  let ws = workspaces.get(key);
  if (!ws) {
    ws = (async () => {
      await initBackend(spec.backend as BackendName);
      const { contextDim } = spec.policy as { contextDim?: number };
      const envOptions = {
        robot: spec.robot,
        // Only the oracle's observation depends on the task; other envs keep their default until setTasks.
        ...(spec.observeTask ? { task: firstTask(task) } : {}),
        maxEpisodeSteps: spec.maxEpisodeSteps,
        reward: spec.reward,
        observeTask: spec.observeTask,
        contextDim: contextDim ?? 0,
      };
      const venv = await makeVectorEnv(spec.env, spec.numEnvs, envOptions);
      // `?? null`: a spec written before the field existed collects in the job's thread as it did then.
      const threads = spec.rolloutThreads ?? null;
      const collector =
        threads === null
          ? null
          : createEpisodeCollector(venv, { env: spec.env, options: envOptions }, threads);
      const policy = GaussianPolicy.create(spec.policy as never, venv.obsDim, venv.actDim, 0);
      const weights = spec.weights && {
        updates: spec.weights.updates,
        learner: makeLearner(spec.weights.learner as LearnerConfigInput),
      };
      return { venv, collector, policy, learner: makeLearner(spec.learner as LearnerConfigInput), weights };
    })();
    workspaces.set(key, ws);
    // A workspace that failed to build (e.g. on a bad task) is built afresh by the next job.
    ws.catch(() => workspaces.delete(key));
  }
  return ws;
}

/**
 * One adaptation: k inner updates of the learner from the job's params on the job's task. `signal` (in-thread runs)
 * abandons it between updates.
 */
export function runRlJob(job: Extract<AdaptJob, { kind: 'rl' }>, signal?: AbortSignal): Promise<AdaptResult> {
  const key = workspaceKey(job);
  const run = (turns.get(key) ?? Promise.resolve()).then(() => adaptOnWorkspace(job, key, signal));
  turns.set(
    key,
    run.catch(() => undefined),
  );
  return run;
}

async function adaptOnWorkspace(
  job: Extract<AdaptJob, { kind: 'rl' }>,
  key: string,
  signal: AbortSignal | undefined,
): Promise<AdaptResult> {
  const { spec } = job;
  const { venv, collector, policy, learner, weights } = await workspace(spec, key, job.task);
  policy.setParams(job.params);
  if (job.obsNorm) policy.setObsNorm(job.obsNorm as ObsNormState);
  venv.setTasks(job.task);
  const contextDim = policy.config.contextDim;
  if (contextDim > 0) zeroContexts(venv.envs, contextDim);
  const budget = {
    updates: spec.steps,
    episodesPerUpdate: spec.episodesPerUpdate,
    measureFinal: job.measureFinal,
  };
  const options = {
    ...(job.stepScales ? { stepScales: job.stepScales } : {}),
    finalGradient: job.finalGradient,
    explorationGradient: job.explorationGradient,
    ...(collector ? { collector } : {}),
    ...(job.carry ? { carry: job.carry } : {}),
    ...(spec.weights?.fromContextBatches ? { keepBatches: true } : {}),
  };
  const hooks = signal ? { signal } : {};
  const inner = await learner.adapt(policy, venv, budget, job.seed, hooks, options);
  const { paramsBeforeUpdates, finalGradient, explorationGradient, context, state, batches } = inner;
  let { policy: adapted, stats } = inner;
  try {
    if (weights) {
      const phase = {
        episodesPerUpdate: spec.episodesPerUpdate,
        seed: job.seed,
        measureFinal: job.measureFinal,
      };
      ({ policy: adapted, stats } = await adaptWeights(adapted, venv, weights, phase, stats, hooks, batches));
    }
    return {
      params: adapted.getParams(),
      obsNorm: adapted.getObsNorm(),
      path: job.keepPath ? paramsBeforeUpdates : null,
      finalGradient: finalGradient ?? null,
      explorationGradient: explorationGradient ?? null,
      context: context ?? null,
      ...(job.carry ? { learnerState: state ?? null } : {}),
      stats,
    };
  } finally {
    adapted.dispose();
  }
}

/** How the weight phase runs: its batches' size, the adaptation's seed, and what the context phase measured. */
export interface WeightPhase {
  episodesPerUpdate: number;
  /** The adaptation's seed; the phase's rollouts use deriveSeed(seed, 0x3e16). */
  seed: number;
  /** The context phase measured after its last step (then the weight phase adds no return). */
  measureFinal: boolean;
  /** Measure after every weight update too (eval's --meta-learner inner-loop), not only the phase's first batch. */
  measureUpdates?: boolean;
}

/**
 * The context learner's weight phase: the network's own updates on the task, the env copies still holding the adapted
 * context, first learning from the context steps' batches when it got them (fromContextBatches). Disposes
 * `contextAdapted`. Without a measuring batch, the phase's first batch (collected at the adapted context, before the
 * phase's own updates: after the updates on the context steps' batches, if any) supplies the return after the context
 * steps; with `measureUpdates`, every batch of the phase and a final one after its last update add theirs.
 */
export async function adaptWeights(
  contextAdapted: GaussianPolicy,
  venv: VectorEnv<unknown>,
  weights: { updates: number; learner: Learner },
  phase: WeightPhase,
  contextStats: AdaptStats,
  hooks: AdaptHooks = {},
  contextBatches?: RolloutBatch[],
): Promise<{ policy: GaussianPolicy; stats: AdaptStats }> {
  try {
    const measureUpdates = phase.measureUpdates === true;
    const budget = {
      updates: weights.updates,
      episodesPerUpdate: phase.episodesPerUpdate,
      measureFinal: measureUpdates,
    };
    const result = await weights.learner.adapt(
      contextAdapted,
      venv,
      budget,
      deriveSeed(phase.seed, 0x3e16),
      hooks,
      contextBatches ? { priorBatches: contextBatches } : {},
    );
    const added = (values: number[]) => (measureUpdates ? values : values.slice(0, 1));
    const returns = phase.measureFinal
      ? contextStats.returns
      : [...contextStats.returns, ...added(result.stats.returns)];
    // Speeds only where every update is measured (eval); the trainer's jobs never reported them.
    const speeds =
      measureUpdates && contextStats.speeds && result.stats.speeds && !phase.measureFinal
        ? { speeds: [...contextStats.speeds, ...result.stats.speeds] }
        : {};
    return {
      policy: result.policy,
      stats: {
        returns,
        ...speeds,
        envSteps: contextStats.envSteps + result.stats.envSteps,
        wallSeconds: contextStats.wallSeconds + result.stats.wallSeconds,
      },
    };
  } finally {
    contextAdapted.dispose();
  }
}
