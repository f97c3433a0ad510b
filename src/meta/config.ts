/**
 * The train config (`terrarium train --config FILE`): JSON validated with zod, `.strict()` at every level so an
 * unknown or misspelled field is an error. Every error names the field, the value and what is allowed, e.g.
 * `inner.steps: expected an integer >= 1, got -3`.
 *
 * Two shapes, chosen by `env`: an RL config (any registered env; the inner learner and policy come from src/agents)
 * and the sine-regression toy (`env: "sine"`).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { learnerConfigSchema } from '../agents/learner.js';
import { policyConfigSchema } from '../agents/policy.js';
import { parseWith, TerrariumError } from '../core/errors.js';
import { envEntry, listEnvs } from '../envs/registry.js';
import { DEFAULT_REWARD_PRESET, rewardPresetSchema } from '../envs/reward-presets.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import { checkMemory, LIMITS } from './config-limits.js';
import { resolveConfigRobot } from './config-robot.js';

/** An integer in [min, max], with the message the house style asks for. */
export function intField(min: number, max = Number.POSITIVE_INFINITY) {
  const expected =
    max === Number.POSITIVE_INFINITY ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  return z.custom<number>((v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max, {
    message: expected,
  });
}

/** A finite number in [min, max] (or (min, max] with `exclusiveMin`). */
export function numberField(min: number, max = Number.POSITIVE_INFINITY, exclusiveMin = false) {
  const low = exclusiveMin ? `> ${min}` : `>= ${min}`;
  const expected =
    max === Number.POSITIVE_INFINITY
      ? `a number ${low}`
      : `a number in ${exclusiveMin ? '(' : '['}${min}, ${max}]`;
  return z.custom<number>(
    (v) => typeof v === 'number' && Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && v <= max,
    { message: expected },
  );
}

const adamSchema = z
  .object({
    beta1: numberField(0, 1).default(0.9),
    beta2: numberField(0, 1).default(0.999),
    epsilon: numberField(0, 1, true).default(1e-8),
  })
  .strict();

/** The meta (outer) step: theta <- theta + eps * mean(theta' - theta), eps linear from eps0 to eps1. */
const outerSchema = z
  .object({
    /** Meta step size at the first iteration (Reptile's outer step size; 1 lands on the task average). */
    eps0: numberField(0, 10, true).default(1),
    /** Meta step size at the last iteration (linear annealing in between). */
    eps1: numberField(0, 10).default(0),
    /**
     * "sgd": the plain Reptile step; "adam": the pseudo-gradient theta - mean(theta') goes to Adam with learning
     * rate eps (so use Adam-sized values there, e.g. eps0 1e-3).
     */
    optimizer: z.enum(['sgd', 'adam']).default('sgd'),
    adam: adamSchema.default({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }),
  })
  .strict();

/** Fields every train config has. */
const commonFields = {
  /**
   * "reptile"; "fomaml" (pseudo-gradient from the last inner update only); or "pretrain", the multi-task baseline:
   * no meta-learning, `inner.steps` plain learner updates per iteration on the meta-batch pooled (each update is
   * the average of one update per task, i.e. one step on the pooled objective; eps and `outer` are not used, and
   * no batch is spent measuring the result of the last update).
   */
  algo: z.enum(['reptile', 'fomaml', 'pretrain']).default('reptile'),
  /** Run seed: tasks and per-task seeds are derived from it, iteration and task index. */
  seed: intField(0, 2147483646).default(0),
  /** Meta-iterations (at most 1,000,000: one metrics line each). */
  iterations: intField(1, LIMITS.iterations),
  /**
   * Stop once the run has used this many env steps (checked after each iteration). `terrarium pretrain` sets it to
   * the meta-run's total so the pretrained baseline gets the same budget.
   */
  envStepBudget: intField(1, LIMITS.envStepBudget).optional(),
  /**
   * Tasks adapted per meta-iteration (1 = serial Reptile); at most 10,000, and fewer where their adapted parameters
   * would take over 8 GiB (config-limits.ts).
   */
  metaBatchSize: intField(1, LIMITS.metaBatchSize),
  outer: outerSchema.default({
    eps0: 1,
    eps1: 0,
    optimizer: 'sgd',
    adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  }),
  /** Write a checkpoint every this many iterations (and at the end); at most the iterations cap. */
  checkpointEvery: intField(1, LIMITS.iterations).default(10),
  /** Checkpoints kept on disk (older ones are deleted); at most 1,000. */
  keepCheckpoints: intField(1, LIMITS.keepCheckpoints).default(3),
  /** Worker threads adapting tasks in parallel; 0 adapts in the main thread. */
  workers: intField(0, 64).default(1),
  /** tfjs backend ("auto", "wasm", "cpu", ...). */
  backend: z.string().default('auto'),
};

const rlInnerSchema = z
  .object({
    /** Inner updates k per task (at most 100,000). */
    steps: intField(1, LIMITS.innerSteps),
    /**
     * Episodes collected per inner update: at most 10,000, and fewer where the workers' rollout batches would take
     * over 8 GiB (episodes x maxEpisodeSteps x workers, config-limits.ts).
     */
    episodesPerUpdate: intField(1, LIMITS.episodesPerUpdate),
    /** Env copies stepped together (default: episodesPerUpdate); at most 1,000. */
    numEnvs: intField(1, LIMITS.numEnvs).optional(),
    /**
     * Threads collecting each job's rollouts, its env copies split between them (src/agents/episode-collector.ts):
     * for runs with few jobs at a time (pretrainMode "sequential", the oracles). Every value gives the same results;
     * absent, rollouts run in the job's own thread (as before; per-copy noise streams make those differ). Not with
     * context inputs.
     */
    rolloutThreads: intField(1, 64).optional(),
    /**
     * Collect one more batch after the last update to measure it (metrics' `returnAfter`). Reptile and FOMAML never
     * learn from that batch, so `false` spends its env steps on updates instead (metrics then end at the return
     * after k - 1 updates); Reptile with metaSgd needs it (the gradient at the adapted params).
     */
    measureFinal: z.boolean().default(true),
    /** The inner learner (src/agents), e.g. { algo: "vpg", lr: 0.3, ... }. */
    learner: learnerConfigSchema,
    /**
     * With the context learner (`learner.algo: "context"`, CAVIA-style): after the `steps` context updates, this
     * learner makes `updates` updates of the network itself on the task, the adapted context held fixed; Reptile's
     * meta-step then averages those weight updates as it does any inner learner's. Evaluation adapts the context only.
     */
    weights: z
      .object({
        updates: intField(1, LIMITS.innerSteps),
        learner: learnerConfigSchema,
        /**
         * The weight learner (ppo) also learns from the context steps' batches, one update each before its own
         * `updates`: every episode of the task then trains the network, as in domain randomization with the same
         * episodes (absent: false, the context steps' episodes train only the context). The weight phase's first
         * batch, which metrics report as the return after the context steps, then follows those updates too.
         */
        fromContextBatches: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const rlTrainConfigSchema = z
  .object({
    env: z.string(),
    ...commonFields,
    /** Options of the env's task distribution (e.g. { goal: "velocity" } for cheetah). */
    tasks: z.record(z.string(), z.unknown()).default({}),
    /** Time limit in steps (default: the env's horizon); at most 100,000. */
    maxEpisodeSteps: intField(1, LIMITS.maxEpisodeSteps).optional(),
    /** Reward preset of a legged env (src/envs/reward-presets.ts); filled in as "maml" for legged envs. */
    reward: rewardPresetSchema.optional(),
    /**
     * The robot of a legged env (absent: its shipped robot): a robot file's path, relative to the config file, or a
     * spec written inline. Resolved and validated at load (config-robot.ts); a run stores it as RUN/robot.json.
     */
    robot: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** sha256 of the robot's canonical JSON (robot-file.ts), recorded by the trainer; given, the robot must match. */
    robotSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'a sha256 as 64 lowercase hex digits')
      .optional(),
    inner: rlInnerSchema,
    /** The policy network (src/agents). */
    policy: policyConfigSchema,
    /**
     * Observation normalization of the meta-init: "pooled" merges the statistics gathered while adapting to each
     * task into the init's (count-weighted), "frozen" keeps the init's statistics as they are.
     */
    obsNorm: z.enum(['pooled', 'frozen']).default('pooled'),
    /**
     * How "pretrain" trains its one policy: "pooled" (each update is the average of one update per task of the
     * meta-batch, in parallel), or "sequential" (one job an iteration: the env copies get the meta-batch's tasks,
     * one each, so every batch mixes tasks, and the learner makes `inner.steps` updates in a row, its optimizer
     * state carried through them: how PPO wants to be run). "sequential" needs metaBatchSize = the env copies.
     */
    pretrainMode: z.enum(['pooled', 'sequential']).default('pooled'),
    /**
     * "sequential" pretraining as one PPO run: the optimizer's Adam moments and the reward statistics carry from
     * iteration to iteration (in the checkpoint too), and `annealLr` anneals over the whole run instead of over each
     * iteration's `inner.steps` updates. Off, each iteration starts them afresh (every result before the option).
     */
    keepLearnerState: z.boolean().default(false),
    /**
     * Weight of the meta-gradient's sampling term (src/agents/exploration-gradient.ts), added to FOMAML's
     * first-order gradient: how the init's sampling of the first inner batch changes the return after the update,
     * which first-order methods drop (so nothing rewards an init for exploring usefully). 1 is the linearized
     * gradient itself, 0 plain FOMAML. Needs algo "fomaml", 2 inner VPG steps and no gradient clipping.
     */
    explorationTerm: numberField(0, 100).default(0),
    /** The policy also observes the task's parameters (`makeEnv({ observeTask: true })`): the oracle baseline. */
    observeTask: z.boolean().default(false),
    /**
     * A warm start: the run directory of another RL run (e.g. domain randomization) whose latest checkpoint is this
     * run's first meta-init; same env, robot, reward and network, a source without context inputs is widened
     * (src/meta/warm-start.ts). Its env steps count in this run's totals. Absent: a random init.
     */
    initFrom: z.string().min(1).optional(),
    /**
     * Meta-learned per-parameter inner step sizes (Meta-SGD, Li et al. 2017, first-order): the inner VPG step of
     * parameter i is alpha * exp(s_i); after each meta-batch s follows Adam (learning rate `lr`) up the first-order
     * gradient of the return after adaptation, mean over tasks of g_k * (theta'_k - theta), with g_k the policy
     * gradient at the adapted params (with "fomaml": of the return after k - 1 updates, g_{k-1} being the last
     * inner update's gradient). |s_i| <= ln(maxScale). Absent: one scalar alpha.
     * `perStep`: one vector s per inner update instead of one for all, each trained for the return right after its
     * update (see `stepCredits` in reptile.ts); eval's updates past the learned ones reuse the last vector.
     * `initStep` (with "fomaml"): what the init steps along. "update": the last inner update itself,
     * alpha * exp(s) * g, so the learned multipliers also precondition the init's meta-step (a parameter whose inner
     * step is damped 10x is meta-trained 10x slower; configs measured before this option pin it); "gradient"
     * (default): alpha * g, Meta-SGD's first-order outer gradient, the multipliers only size the inner steps.
     */
    metaSgd: z
      .object({
        lr: numberField(0, 1, true).default(0.02),
        maxScale: numberField(1, 1000).default(10),
        perStep: z.boolean().default(false),
        initStep: z.enum(['update', 'gradient']).default('gradient'),
      })
      .strict()
      .optional(),
  })
  .strict();

const sineInnerSchema = z
  .object({
    /** Inner SGD steps per task (at most 100,000). */
    steps: intField(1, LIMITS.innerSteps),
    /** Inner SGD step size. */
    lr: numberField(0, 10, true),
    /** Samples of the sine the learner sees (at most 100,000). */
    points: intField(1, LIMITS.sinePoints),
    /** Samples per inner SGD step (at most 100,000). */
    batchSize: intField(1, LIMITS.sinePoints),
  })
  .strict();

export const sineTrainConfigSchema = z
  .object({
    env: z.literal('sine'),
    ...commonFields,
    /** Hidden layer widths of the MLP (the paper: [40, 40]). */
    hidden: z.array(intField(1, 4096)).min(1).default([40, 40]),
    inner: sineInnerSchema,
    /** The few-shot test reported at the end: inner steps on `points` samples of held-out sines. */
    evaluation: z
      .object({
        steps: intField(0, LIMITS.sinePoints),
        points: intField(1, LIMITS.sinePoints),
        tasks: intField(1, 100),
      })
      .strict()
      .default({ steps: 32, points: 10, tasks: 20 }),
  })
  .strict();

/** A parsed RL config: `robot`, when set, is the resolved spec (a path has been read). */
export type RlTrainConfig = Omit<z.infer<typeof rlTrainConfigSchema>, 'robot'> & { robot?: RobotSpec };
export type SineTrainConfig = z.infer<typeof sineTrainConfigSchema>;
export type TrainConfig = RlTrainConfig | SineTrainConfig;

export function isSineConfig(config: TrainConfig): config is SineTrainConfig {
  return config.env === 'sine';
}

/** Validates a train config (parsed JSON); throws a TerrariumError naming the first bad field. */
/** Legged envs get the default preset written into the config, so a run records the reward it was trained on. */
function checkRewardPreset(config: RlTrainConfig): void {
  if (!envEntry(config.env).rewardPresets) {
    if (config.reward !== undefined)
      throw new TerrariumError(
        'reward',
        config.reward,
        `unset for ${config.env} (reward presets are for legged envs)`,
      );
  } else config.reward ??= DEFAULT_REWARD_PRESET;
}

/**
 * A run's saved config.json, parsed. Saved configs hold every field with its value, so a field missing from one
 * predates that field: it gets the value that was in force before it existed, not today's default (a run from
 * before reward presets resumes and evaluates with the reward and PPO settings it was trained with).
 */
export function parseRunConfig(input: unknown, baseDir?: string): TrainConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return parseTrainConfig(input);
  const saved = structuredClone(input) as Record<string, unknown>;
  const entry = listEnvs().find((e) => e.id === saved.env);
  if (entry?.rewardPresets && saved.reward === undefined) saved.reward = 'gymnasium';
  const policy = saved.policy as Record<string, unknown> | undefined;
  if (policy && typeof policy === 'object' && policy.initLogStd === undefined) policy.initLogStd = -0.5;
  const inner = saved.inner as { learner?: unknown; weights?: { learner?: unknown } } | undefined;
  for (const learner of [inner?.learner, inner?.weights?.learner]) {
    if (learner && typeof learner === 'object' && (learner as { algo?: unknown }).algo === 'ppo') {
      const ppo = learner as Record<string, unknown>;
      ppo.normalizeRewards ??= false;
      ppo.numMinibatches ??= 8;
    }
  }
  return parseTrainConfig(saved, baseDir);
}

/** `baseDir`: where a `robot` path is read from (the config file's directory; default the working directory). */
export function parseTrainConfig(input: unknown, baseDir?: string): TrainConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new TerrariumError('config', input, 'a JSON object');
  }
  const env = (input as Record<string, unknown>).env;
  if (env === 'sine') {
    const sine = parseWith(sineTrainConfigSchema, input, '');
    checkMemory(sine);
    return sine;
  }
  if (typeof env !== 'string' || !listEnvs().some((e) => e.id === env)) {
    throw new TerrariumError('env', env, `one of ${['sine', ...listEnvs().map((e) => e.id)].join(', ')}`);
  }
  const config = resolveConfigRobot(parseWith(rlTrainConfigSchema, input, ''), baseDir);
  // Like a robot file, a warm start's run directory is relative to the config file; stored absolute.
  if (config.initFrom !== undefined && baseDir !== undefined)
    config.initFrom = resolve(baseDir, config.initFrom);
  checkRewardPreset(config);
  const envCopies = config.inner.numEnvs ?? config.inner.episodesPerUpdate;
  if (config.pretrainMode === 'sequential' && config.metaBatchSize !== envCopies) {
    throw new TerrariumError(
      'metaBatchSize',
      config.metaBatchSize,
      `the number of env copies (${envCopies}) with pretrainMode "sequential" (one task a copy)`,
    );
  }
  checkContextAdaptation(config);
  const contextDim = (config.policy as { contextDim?: number }).contextDim ?? 0;
  if (
    config.inner.rolloutThreads !== undefined &&
    (config.inner.learner.algo === 'context' || contextDim > 0)
  ) {
    throw new TerrariumError(
      'inner.rolloutThreads',
      config.inner.rolloutThreads,
      'absent with context inputs (the context learner, policy.contextDim > 0)',
    );
  }
  if (config.keepLearnerState) checkKeepLearnerState(config);
  if (config.metaSgd && config.inner.learner.algo !== 'vpg') {
    throw new TerrariumError('inner.learner.algo', config.inner.learner.algo, '"vpg" when metaSgd is set');
  }
  if (config.metaSgd && config.algo === 'reptile' && !config.inner.measureFinal) {
    // Meta-SGD's step sizes follow the policy gradient at the adapted params, taken on the measuring batch.
    throw new TerrariumError('inner.measureFinal', false, 'true with algo "reptile" and metaSgd');
  }
  if (config.metaSgd && config.algo === 'fomaml' && config.inner.steps < 2) {
    // FOMAML's step sizes follow the last inner update's gradient times the updates before it: none with one step.
    throw new TerrariumError('inner.steps', config.inner.steps, 'at least 2 with algo "fomaml" and metaSgd');
  }
  if (config.explorationTerm > 0) {
    const { learner } = config.inner;
    if (config.algo !== 'fomaml') {
      throw new TerrariumError('algo', config.algo, '"fomaml" with explorationTerm > 0');
    }
    if (config.inner.steps !== 2) {
      throw new TerrariumError('inner.steps', config.inner.steps, '2 with explorationTerm > 0');
    }
    // The gradient after the first update is read back from the second: a plain, unclipped VPG step.
    if (learner.algo !== 'vpg') {
      throw new TerrariumError('inner.learner.algo', learner.algo, '"vpg" with explorationTerm > 0');
    }
    if (learner.returnGapStep !== null) {
      throw new TerrariumError('inner.learner.returnGapStep', 'set', 'null with explorationTerm > 0');
    }
    if (learner.maxGradNorm !== null) {
      throw new TerrariumError(
        'inner.learner.maxGradNorm',
        learner.maxGradNorm,
        'null with explorationTerm > 0',
      );
    }
  }
  // The env validates its own distribution options (errors rooted at "tasks").
  envEntry(env).distribution(config.tasks, config.robot);
  checkMemory(config);
  return config;
}

/** The context learner's requirements: a context input, and a weight learner after it wherever weights must learn. */
function checkContextAdaptation(config: RlTrainConfig): void {
  const { learner, weights } = config.inner;
  if (learner.algo !== 'context') {
    if (weights)
      throw new TerrariumError('inner.weights', 'set', 'absent unless inner.learner.algo is "context"');
    return;
  }
  if (config.policy.contextDim < 1) {
    throw new TerrariumError(
      'policy.contextDim',
      config.policy.contextDim,
      'at least 1 with the context learner',
    );
  }
  if (config.algo !== 'reptile') {
    throw new TerrariumError(
      'algo',
      config.algo,
      '"reptile" with the context learner (pretrain with vpg or ppo)',
    );
  }
  if (!weights) {
    throw new TerrariumError(
      'inner.weights',
      undefined,
      '{ updates, learner } with the context learner (otherwise the network never learns)',
    );
  }
  if (weights.learner.algo === 'context') {
    throw new TerrariumError('inner.weights.learner.algo', 'context', '"vpg" or "ppo"');
  }
  if (weights.fromContextBatches && weights.learner.algo !== 'ppo') {
    throw new TerrariumError(
      'inner.weights.learner.algo',
      weights.learner.algo,
      '"ppo" with inner.weights.fromContextBatches',
    );
  }
}

/** keepLearnerState carries one PPO run through sequential pretraining, and nothing else. */
function checkKeepLearnerState(config: RlTrainConfig): void {
  if (config.algo !== 'pretrain')
    throw new TerrariumError('algo', config.algo, '"pretrain" with keepLearnerState');
  if (config.pretrainMode !== 'sequential') {
    throw new TerrariumError('pretrainMode', config.pretrainMode, '"sequential" with keepLearnerState');
  }
  if (config.inner.learner.algo !== 'ppo') {
    throw new TerrariumError('inner.learner.algo', config.inner.learner.algo, '"ppo" with keepLearnerState');
  }
}

/**
 * How many updates Meta-SGD can credit (`reach`): the return after all k updates, measured with the policy gradient
 * at the adapted params, or with "fomaml" after k - 1, the last update being read back as the gradient there.
 */
export function metaSgdReach(config: RlTrainConfig): number {
  return config.algo === 'fomaml' ? config.inner.steps - 1 : config.inner.steps;
}

/** The number of step-size vectors a Meta-SGD run learns: one, or one per creditable update (`perStep`). */
export function metaSgdVectors(config: RlTrainConfig): number {
  return config.metaSgd?.perStep ? metaSgdReach(config) : 1;
}

/** Applies command-line overrides (--seed, --iterations, --workers, --backend, --robot, --init-from) to a parsed config. */
export function withOverrides(
  config: TrainConfig,
  overrides: {
    seed?: number;
    workers?: number;
    backend?: string;
    iterations?: number;
    robot?: RobotSpec;
    /** A warm start's run directory (absolute, or relative to the working directory). */
    initFrom?: string;
  },
): TrainConfig {
  const merged = { ...config };
  if (overrides.robot !== undefined) {
    if (isSineConfig(merged)) throw new TerrariumError('--robot', overrides.robot.name, 'unset for sine');
    merged.robot = overrides.robot;
    delete merged.robotSha256;
  }
  if (overrides.initFrom !== undefined) {
    if (isSineConfig(merged)) throw new TerrariumError('--init-from', overrides.initFrom, 'unset for sine');
    merged.initFrom = resolve(overrides.initFrom);
  }
  if (overrides.seed !== undefined) merged.seed = overrides.seed;
  if (overrides.iterations !== undefined) merged.iterations = overrides.iterations;
  if (overrides.workers !== undefined) merged.workers = overrides.workers;
  if (overrides.backend !== undefined) merged.backend = overrides.backend;
  return parseTrainConfig(JSON.parse(JSON.stringify(merged)));
}
