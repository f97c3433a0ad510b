import { TerrariumError } from '../core/errors.js';
import { deriveSeed } from '../core/rng.js';
import type { VectorEnv } from '../envs/vector-env.js';
import type { EpisodeCollector } from './episode-collector.js';
import type { AdaptBudget, AdaptHooks, AdaptResult } from './learner.js';
import type { GaussianPolicy } from './policy.js';
import { collectEpisodes, meanReturn, meanSpeed, type RolloutBatch } from './rollout.js';

/** Seeds of the update batches measured apart (`measureApart`) start here, apart from the measuring ones' 0, 1, ... */
export const SEARCH_SALT = 0x73650000;

/**
 * The loop both learners share: on a clone of `policy`, collect a batch (seeded deriveSeed(seed, u)), record its
 * mean return, update, fold the batch into the observation statistics; then one last batch to measure the result
 * (unless `budget.measureFinal` is false). With `budget.envSteps`, batches go on until that many env steps are used,
 * the last one cut at the budget and measuring the last update (`updates` is then the number planned, for annealing).
 * Yields to the event loop between updates so live displays and signals get a turn, then honours `hooks.signal`.
 * With a `collector` the batches come from it (worker threads) instead of collectEpisodes on `venv`.
 * With `step.measureApart`, each recorded return comes from a batch of its own, collected after `measureApart.measure`
 * set up the envs (seeded deriveSeed(seed, u), as every measuring batch); `measureApart.search` then sets them up for
 * the update's batch (seeded deriveSeed(seed, SEARCH_SALT + u)), which only feeds the update. Both count env steps.
 * With `priorBatches` (batches another learner collected from `policy` and already folded into its statistics), one
 * update on each comes first; they are neither measured nor counted as env steps here.
 */
export async function adaptLoop(
  run: {
    policy: GaussianPolicy;
    venv: VectorEnv<unknown>;
    budget: AdaptBudget;
    seed: number;
    hooks?: AdaptHooks;
    collector?: EpisodeCollector;
    /** Batches collected elsewhere from `policy` as given: one update each, in order, before the first own batch. */
    priorBatches?: readonly RolloutBatch[];
  },
  step: {
    needsValues: boolean;
    /**
     * `progress` in [0, 1): how far through its budget the adaptation is at this update (learning-rate annealing):
     * update / updates; with an env-step budget, the env steps used before this batch over the budget less one
     * planned batch (budget.updates planned updates of whole batches), which is the same for whole batches.
     */
    update: (
      policy: GaussianPolicy,
      batch: RolloutBatch,
      update: number,
      progress: number,
    ) => Record<string, number>;
    /** Called with the batch that measures the last update (when one is collected). */
    measured?: (policy: GaussianPolicy, batch: RolloutBatch) => void;
    /** Measure each update on a batch of its own (not with an env-step budget). */
    measureApart?: { measure: () => void; search: () => void };
  },
): Promise<AdaptResult> {
  const { policy, venv, budget, seed, hooks = {}, collector, priorBatches = [] } = run;
  if (!Number.isInteger(budget.updates) || budget.updates < 0) {
    throw new TerrariumError('budget.updates', budget.updates, 'an integer >= 0');
  }
  if (!Number.isInteger(budget.episodesPerUpdate) || budget.episodesPerUpdate < 1) {
    throw new TerrariumError('budget.episodesPerUpdate', budget.episodesPerUpdate, 'an integer >= 1');
  }
  const stepBudget = budget.envSteps;
  if (stepBudget !== undefined && !(Number.isInteger(stepBudget) && stepBudget >= 1)) {
    throw new TerrariumError('budget.envSteps', stepBudget, 'an integer >= 1');
  }
  if (stepBudget !== undefined && priorBatches.length > 0) {
    throw new TerrariumError('budget.envSteps', stepBudget, 'unset with prior batches');
  }
  if (stepBudget !== undefined && step.measureApart) {
    throw new TerrariumError('budget.envSteps', stepBudget, 'unset when each update is measured apart');
  }
  const start = performance.now();
  const adapted = policy.clone();
  const returns: number[] = [];
  const speeds: number[] = [];
  let envSteps = 0;
  let info: Record<string, number> = {};
  const paramsBeforeUpdates: Float32Array[] = [];
  const batches =
    stepBudget !== undefined
      ? Number.POSITIVE_INFINITY
      : budget.measureFinal === false
        ? budget.updates
        : budget.updates + 1;
  // With an env-step budget, the steps before the last planned update (budget.updates planned of budget.updates + 1
  // whole batches): annealing then ends where it would with whole-length episodes.
  const annealSteps = stepBudget === undefined ? 0 : (stepBudget * budget.updates) / (budget.updates + 1);
  // Prior batches are the first updates of the plan: they take its first update numbers and annealing progress.
  const priors = priorBatches.length;
  const planned = priors + budget.updates;
  try {
    for (const [j, batch] of priorBatches.entries()) {
      paramsBeforeUpdates.push(adapted.getParams());
      info = step.update(adapted, batch, j, j / planned);
      adapted.markUpdated();
    }
    for (let u = 0; u < batches; u++) {
      const stepsBefore = envSteps;
      const collectOptions = {
        values: step.needsValues,
        ...(stepBudget === undefined ? {} : { maxEnvSteps: stepBudget - envSteps }),
      };
      const collect = (batchSeed: number) =>
        collector
          ? collector.collect(adapted, budget.episodesPerUpdate, batchSeed, collectOptions)
          : collectEpisodes(adapted, venv, budget.episodesPerUpdate, batchSeed, collectOptions);
      step.measureApart?.measure();
      const measuredBatch = await collect(deriveSeed(seed, u));
      envSteps += measuredBatch.envSteps;
      returns.push(meanReturn(measuredBatch));
      const speed = meanSpeed(measuredBatch);
      if (speed !== undefined) speeds.push(speed);
      hooks.onBatch?.({
        update: priors + u,
        meanReturn: returns[u]!,
        meanSpeed: speed,
        envSteps,
        wallSeconds: (performance.now() - start) / 1000,
        info,
        batch: measuredBatch,
      });
      if (stepBudget === undefined ? u === budget.updates : envSteps >= stepBudget) {
        step.measured?.(adapted, measuredBatch);
        break;
      }
      let batch = measuredBatch;
      if (step.measureApart) {
        step.measureApart.search();
        batch = await collect(deriveSeed(seed, SEARCH_SALT + u));
        envSteps += batch.envSteps;
      }
      const progress =
        stepBudget === undefined
          ? (priors + u) / planned
          : annealSteps > 0
            ? Math.min(1, stepsBefore / annealSteps)
            : 0;
      paramsBeforeUpdates.push(adapted.getParams());
      info = step.update(adapted, batch, priors + u, progress);
      adapted.markUpdated();
      adapted.updateObsNorm(batch.obs);
      await new Promise<void>((resolve) => setImmediate(resolve));
      hooks.signal?.throwIfAborted();
      if (hooks.until?.aborted) break;
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
