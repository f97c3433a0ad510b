import { TerrariumError } from '../core/errors.js';
import { deriveSeed } from '../core/rng.js';
import type { VectorEnv } from '../envs/vector-env.js';
import type { EpisodeCollector } from './episode-collector.js';
import type { AdaptBudget, AdaptHooks, AdaptResult } from './learner.js';
import type { GaussianPolicy } from './policy.js';
import { collectEpisodes, meanReturn, meanSpeed, type RolloutBatch } from './rollout.js';

/**
 * The loop both learners share: on a clone of `policy`, collect a batch (seeded deriveSeed(seed, u)), record its
 * mean return, update, fold the batch into the observation statistics; then one last batch to measure the result
 * (unless `budget.measureFinal` is false).
 * Yields to the event loop between updates so live displays and signals get a turn, then honours `hooks.signal`.
 * With a `collector` the batches come from it (worker threads) instead of collectEpisodes on `venv`.
 */
export async function adaptLoop(
  policy: GaussianPolicy,
  venv: VectorEnv<unknown>,
  budget: AdaptBudget,
  seed: number,
  step: {
    needsValues: boolean;
    update: (policy: GaussianPolicy, batch: RolloutBatch, update: number) => Record<string, number>;
    /** Called with the batch that measures the last update (when one is collected). */
    measured?: (policy: GaussianPolicy, batch: RolloutBatch) => void;
  },
  hooks: AdaptHooks = {},
  collector?: EpisodeCollector,
): Promise<AdaptResult> {
  if (!Number.isInteger(budget.updates) || budget.updates < 0) {
    throw new TerrariumError('budget.updates', budget.updates, 'an integer >= 0');
  }
  if (!Number.isInteger(budget.episodesPerUpdate) || budget.episodesPerUpdate < 1) {
    throw new TerrariumError('budget.episodesPerUpdate', budget.episodesPerUpdate, 'an integer >= 1');
  }
  const start = performance.now();
  const adapted = policy.clone();
  const returns: number[] = [];
  const speeds: number[] = [];
  let envSteps = 0;
  let info: Record<string, number> = {};
  const paramsBeforeUpdates: Float32Array[] = [];
  const batches = budget.measureFinal === false ? budget.updates : budget.updates + 1;
  try {
    for (let u = 0; u < batches; u++) {
      const collectOptions = { values: step.needsValues };
      const batch = collector
        ? await collector.collect(adapted, budget.episodesPerUpdate, deriveSeed(seed, u), collectOptions)
        : collectEpisodes(adapted, venv, budget.episodesPerUpdate, deriveSeed(seed, u), collectOptions);
      envSteps += batch.envSteps;
      returns.push(meanReturn(batch));
      const speed = meanSpeed(batch);
      if (speed !== undefined) speeds.push(speed);
      hooks.onBatch?.({
        update: u,
        meanReturn: returns[u]!,
        meanSpeed: speed,
        envSteps,
        wallSeconds: (performance.now() - start) / 1000,
        info,
        batch,
      });
      if (u === budget.updates) {
        step.measured?.(adapted, batch);
        break;
      }
      paramsBeforeUpdates.push(adapted.getParams());
      info = step.update(adapted, batch, u);
      adapted.markUpdated();
      adapted.updateObsNorm(batch.obs);
      await new Promise<void>((resolve) => setImmediate(resolve));
      hooks.signal?.throwIfAborted();
    }
  } catch (error) {
    adapted.dispose();
    throw error;
  }
  const stats = {
    returns,
    ...(speeds.length === returns.length ? { speeds } : {}),
    envSteps,
    wallSeconds: (performance.now() - start) / 1000,
  };
  return { policy: adapted, stats, paramsBeforeUpdates };
}
