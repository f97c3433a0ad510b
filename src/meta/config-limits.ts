/**
 * Upper bounds of every count in a train config, chosen so that a 24 GiB machine can run any config that passes:
 * each bound alone is generous, and checkMemory bounds the products that actually allocate (the adapted parameters
 * a meta-iteration holds for every task, the rollout batches the workers hold at once) to 8 GiB each.
 */
import { TerrariumError } from '../core/errors.js';
import { envDims, envEntry } from '../envs/registry.js';
import type { RlTrainConfig, SineTrainConfig, TrainConfig } from './config.js';
import { sineNumParams } from './sine.js';

export const LIMITS = {
  /** Meta-iterations (and checkpointEvery): one metrics line each, a few hundred bytes. */
  iterations: 1_000_000,
  /** Env steps of a run: a counter only. */
  envStepBudget: 1e12,
  /** Tasks per meta-iteration: each holds its adapted parameters until the meta step. */
  metaBatchSize: 10_000,
  /** Inner updates per task (and the context learner's weight updates). */
  innerSteps: 100_000,
  /** Episodes per inner update: one rollout batch. */
  episodesPerUpdate: 10_000,
  /** Env copies (Rapier worlds) stepped together. */
  numEnvs: 1_000,
  /** Time limit of an episode in steps. */
  maxEpisodeSteps: 100_000,
  /** Checkpoints kept on disk. */
  keepCheckpoints: 1_000,
  /** Sine: samples per task, per SGD step and per held-out task; inner steps of the few-shot test. */
  sinePoints: 100_000,
} as const;

const GIB = 1024 ** 3;
/** What the adapted parameters of one meta-batch, and the rollout batches held at once, may each take. */
const MEMORY_SHARE = 8 * GIB;

function policyParams(config: RlTrainConfig, obsDim: number, actDim: number): number {
  const sizes = [obsDim, ...config.policy.hiddenSizes];
  const trunk = sizes.slice(1).reduce((n, out, i) => n + (sizes[i]! + 1) * out, 0);
  const last = config.policy.hiddenSizes.at(-1) ?? obsDim;
  return (trunk + (last + 2) * actDim) * (config.policy.valueFunction ? 2 : 1);
}

function bytes(n: number): string {
  return `${(n / GIB).toFixed(1)} GiB`;
}

/** Throws naming the field whose product with the others would exceed its memory share. */
export function checkMemory(config: TrainConfig): void {
  const sine = config.env === 'sine';
  const entry = sine ? null : envEntry(config.env);
  const dims = sine ? null : envDims(config.env, (config as RlTrainConfig).robot);
  // A margin of 64 inputs covers the task features an oracle observes and the context.
  const params = sine
    ? sineNumParams((config as SineTrainConfig).hidden)
    : policyParams(config as RlTrainConfig, dims!.obsDim + 64, dims!.actDim);
  // Each task keeps its adapted parameters and, for FOMAML and Meta-SGD, those before every update.
  const perTask = (config.inner.steps + 2) * params * 4;
  if (perTask > MEMORY_SHARE) {
    throw new TerrariumError(
      'inner.steps',
      config.inner.steps,
      `at most ${Math.max(1, Math.floor(MEMORY_SHARE / (params * 4)) - 2)} with ${params} parameters ` +
        `(one task's parameters before every update would take ${bytes(perTask)}, over 8 GiB)`,
    );
  }
  if (config.metaBatchSize * perTask > MEMORY_SHARE) {
    throw new TerrariumError(
      'metaBatchSize',
      config.metaBatchSize,
      `at most ${Math.max(1, Math.floor(MEMORY_SHARE / perTask))} with inner.steps ${config.inner.steps} and ` +
        `${params} parameters (the meta-batch's adapted parameters would take ${bytes(config.metaBatchSize * perTask)}, over 8 GiB)`,
    );
  }
  if (sine) return;
  const rl = config as RlTrainConfig;
  const horizon = rl.maxEpisodeSteps ?? entry!.maxEpisodeSteps;
  // A stored step: observation, action, reward, value, log-prob, advantage, return, done (4-byte floats).
  const stepBytes = (dims!.obsDim + 64 + dims!.actDim + 6) * 4;
  const batch = rl.inner.episodesPerUpdate * horizon * stepBytes;
  const held = batch * Math.max(1, rl.workers);
  if (held > MEMORY_SHARE) {
    throw new TerrariumError(
      'inner.episodesPerUpdate',
      rl.inner.episodesPerUpdate,
      `at most ${Math.max(1, Math.floor(MEMORY_SHARE / (horizon * stepBytes * Math.max(1, rl.workers))))} with ` +
        `${horizon} steps an episode and ${rl.workers} worker(s) (the rollout batches would take ${bytes(held)}, over 8 GiB)`,
    );
  }
}
