/**
 * Eval's unit of work: one method adapted on one held-out task, once per evaluation seed. The tasks of a method run
 * one after another in this thread, or spread over worker threads (eval-worker.ts) where `workers` > 1. A (task,
 * seed) pair's rollouts are seeded by deriveSeed(EVAL_SEED, seed, task index) alone and each adaptation starts from
 * the init's params and obs-norm state, so the numbers are the same bits whichever thread runs which task.
 */
import type { Piscina } from 'piscina';
import { type LearnerConfigInput, makeLearner } from '../../agents/learner.js';
import { GaussianPolicy } from '../../agents/policy.js';
import { deriveSeed } from '../../core/rng.js';
import { fixedThreadPool } from '../../core/thread-pool.js';
import { zeroContexts } from '../../envs/context-input.js';
import { makeVectorEnv } from '../../envs/registry.js';
import type { RlTrainConfig } from '../config.js';
import { adaptWeights } from '../rl-learner.js';
import type { EvalMethod, PolicyInit } from './methods.js';

/** Base of the evaluation rollout seeds (distinct from the trainer's deriveSeed(runSeed, iteration, task)). */
export const EVAL_SEED = 0xe7a1;

/** A method as plain data (its inits drawn for every seed), for a worker thread. */
export type MethodSpec = Omit<EvalMethod, 'init'>;

/**
 * One task's returns, speeds (where the env reports them), adapted contexts (the context learner's) and env steps, one
 * row per evaluation seed.
 */
export interface TaskReturns {
  returns: number[][];
  speeds: number[][];
  contexts: number[][];
  envSteps: number;
}

/** What a worker thread gets for one task. */
export interface TaskJob {
  config: RlTrainConfig;
  method: MethodSpec;
  /** The init of each evaluation seed. */
  inits: PolicyInit[];
  task: unknown;
  taskIndex: number;
  k: number;
}

/**
 * One method's env copies, policy and learner, reused across its jobs (as a trainer worker does); `task`, one of the
 * held-out tasks, fixes the oracle's observation size. `adapt` gives the stats, and the context learner's adapted
 * context (context-regression.ts reads it).
 */
export async function adaptRunner(config: RlTrainConfig, method: MethodSpec, task: unknown) {
  const episodesPerUpdate = config.inner.episodesPerUpdate;
  const venv = await makeVectorEnv(config.env, config.inner.numEnvs ?? episodesPerUpdate, {
    robot: config.robot,
    ...(method.observeTask ? { task } : {}),
    maxEpisodeSteps: config.maxEpisodeSteps,
    reward: config.reward,
    observeTask: method.observeTask,
    contextDim: method.policy.contextDim,
  });
  const policy = GaussianPolicy.create(method.policy, venv.obsDim, venv.actDim, 0);
  const learner = makeLearner(method.learner ?? (config.inner.learner as LearnerConfigInput));
  const weightLearner = method.weightPhase ? makeLearner(method.weightPhase.learner) : null;
  const contextDim = method.policy.contextDim ?? 0;
  return {
    adapt: async (init: ReturnType<EvalMethod['init']>, task: unknown, updates: number, seed: number) => {
      policy.setParams(init.params);
      if (init.obsNorm) policy.setObsNorm(init.obsNorm);
      venv.setTasks(task);
      // Every adaptation starts at context 0, as the trainer's jobs do (a weight learner on a context policy stays there).
      if (contextDim > 0) zeroContexts(venv.envs, contextDim);
      const options = method.stepScales ? { stepScales: method.stepScales } : {};
      const contextSteps = method.weightPhase?.contextSteps ?? updates;
      if (!weightLearner || updates <= contextSteps) {
        const result = await learner.adapt(policy, venv, { updates, episodesPerUpdate }, seed, {}, options);
        result.policy.dispose();
        return { ...result.stats, ...(result.context ? { context: result.context } : {}) };
      }
      // The inner loop: context steps, then weight updates at the adapted context (the trainer's adaptWeights).
      const budget = { updates: contextSteps, episodesPerUpdate, measureFinal: false };
      const first = await learner.adapt(policy, venv, budget, seed, {}, options);
      const weights = { updates: updates - contextSteps, learner: weightLearner };
      const phase = { episodesPerUpdate, seed, measureFinal: false, measureUpdates: true };
      const { policy: adapted, stats } = await adaptWeights(first.policy, venv, weights, phase, first.stats);
      adapted.dispose();
      return { ...stats, ...(first.context ? { context: first.context } : {}) };
    },
    close: () => {
      policy.dispose();
      venv.close();
    },
  };
}

type Runner = Awaited<ReturnType<typeof adaptRunner>>;

/** The task adapted from each seed's init; `onSeed` after each. */
export async function taskSeeds(
  runner: Runner,
  job: Pick<TaskJob, 'inits' | 'task' | 'taskIndex' | 'k'>,
  onSeed: () => void = () => {},
): Promise<TaskReturns> {
  const out: TaskReturns = { returns: [], speeds: [], contexts: [], envSteps: 0 };
  for (const [s, init] of job.inits.entries()) {
    const stats = await runner.adapt(init, job.task, job.k, deriveSeed(EVAL_SEED, s, job.taskIndex));
    out.returns.push(stats.returns);
    if (stats.speeds) out.speeds.push(stats.speeds);
    if (stats.context) out.contexts.push([...stats.context]);
    out.envSteps += stats.envSteps;
    onSeed();
  }
  return out;
}

/** Adapts methods on tasks in this thread (workers <= 1) or on `workers` threads; `close` when done. */
export function taskRunner(workers: number) {
  const pool = workers > 1 ? fixedThreadPool(import.meta.url, 'eval-worker', workers) : null;
  return {
    /** Every task of `method` from each seed's init, in task order; `onSeed` after each adaptation. */
    method: (work: MethodWork): Promise<TaskReturns[]> =>
      pool ? methodOnThreads(pool, work) : methodInThread(work),
    close: async () => {
      await pool?.destroy();
    },
  };
}

/** One method on the held-out tasks: each task adapted k updates from each of `seeds` inits; `onSeed` after each. */
export interface MethodWork {
  config: RlTrainConfig;
  method: EvalMethod;
  tasks: unknown[];
  seeds: number;
  k: number;
  onSeed: () => void;
}

/** Every task of `method`, in order, in this thread. */
async function methodInThread({
  config,
  method,
  tasks,
  seeds,
  k,
  onSeed,
}: MethodWork): Promise<TaskReturns[]> {
  const inits = Array.from({ length: seeds }, (_, s) => method.init(s));
  const runner = await adaptRunner(config, method, tasks[0]);
  try {
    const out: TaskReturns[] = [];
    for (const [taskIndex, task] of tasks.entries()) {
      out.push(await taskSeeds(runner, { inits, task, taskIndex, k }, onSeed));
    }
    return out;
  } finally {
    runner.close();
  }
}

/** Every task of `method` as one job each on `pool` (eval-worker.ts), in task order; `onSeed` as each task ends. */
async function methodOnThreads(pool: Piscina, work: MethodWork): Promise<TaskReturns[]> {
  const { config, method, tasks, seeds, k, onSeed } = work;
  const { init: _init, ...spec } = method;
  const inits = Array.from({ length: seeds }, (_, s) => method.init(s));
  return Promise.all(
    tasks.map(async (task, taskIndex) => {
      const job: TaskJob = { config, method: spec, inits, task, taskIndex, k };
      const result = (await pool.run(job)) as TaskReturns;
      for (let s = 0; s < seeds; s++) onSeed();
      return result;
    }),
  );
}
