/**
 * Step 3 of a meta-iteration (trainer.ts): the meta step from the meta-batch's adaptation results. Plain Reptile
 * moves theta toward the adapted params; Adam takes Reptile's pseudo-gradient; FOMAML steps along the tasks' last
 * inner updates (with the sampling term when `explorationTerm` > 0). Obs-norm statistics are pooled by the learner,
 * and with `metaSgd` the per-parameter inner step sizes take their own step.
 */
import { returnGapFactor } from '../agents/return-gap-step.js';
import type { Checkpoint } from './checkpoint.js';
import { isSineConfig, metaSgdReach, type TrainConfig } from './config.js';
import type { AdaptResult, MetaLearner } from './meta-learner.js';
import {
  adaptationCredits,
  type StepScales,
  stepMultipliers,
  stepScalesStep,
  unscaledUpdate,
  updateMultipliers,
} from './meta-sgd.js';
import {
  adamStep,
  addScaledMean,
  fomamlGradient,
  meanDelta,
  reptileGradient,
  reptileStep,
  sgdStep,
} from './reptile.js';

/** What a meta step reads and writes of the run's state. */
export type MetaState = Pick<Checkpoint, 'params' | 'obsNorm' | 'adam' | 'stepScales'>;

/** The inner step multipliers the meta-batch adapts with (a Meta-SGD run's), or null: the scalar alpha. */
export function innerMultipliers(state: MetaState): Float32Array[] | null {
  return state.stepScales ? stepMultipliers(state.stepScales, state.params.length) : null;
}

/**
 * theta and the state around it after one meta step with step size eps; `multipliers` are innerMultipliers(state),
 * the ones the meta-batch adapted with.
 */
export function outerStep(
  config: TrainConfig,
  state: MetaState,
  multipliers: Float32Array[] | null,
  results: readonly AdaptResult[],
  eps: number,
  learner: Pick<MetaLearner, 'mergeObsNorm'>,
): MetaState {
  const scales = state.stepScales ?? null;
  const adapted = results.map((r) => r.params);
  const factors = stepFactors(config, results);
  let grad = config.algo === 'fomaml' ? fomamlInitStep(config, results, multipliers, factors) : null;
  if (grad && !isSineConfig(config) && config.explorationTerm > 0 && config.inner.learner.algo === 'vpg') {
    // The sampling term is an ascent direction in the units of alpha * g, like the descent pseudo-gradient.
    const term = config.explorationTerm * config.inner.learner.alpha;
    grad = addScaledMean(
      grad,
      results.map((r) => r.explorationGradient!),
      -term,
    );
  }
  let params: Float32Array;
  let adam = state.adam;
  if (config.outer.optimizer === 'adam') {
    const step = adamStep(
      state.params,
      grad ?? reptileGradient(state.params, adapted),
      adam!,
      eps,
      config.outer.adam,
    );
    params = step.params;
    adam = step.state;
  } else {
    params = grad ? sgdStep(state.params, grad, eps) : reptileStep(state.params, adapted, eps);
  }
  const obsNorm = learner.mergeObsNorm(
    state.obsNorm,
    results.map((r) => r.obsNorm),
  );
  let stepScales: StepScales | null = null;
  if (scales && !isSineConfig(config) && config.metaSgd && config.inner.learner.algo === 'vpg') {
    const { alpha } = config.inner.learner;
    const { perStep } = config.metaSgd;
    const credits = results.map((r, i) =>
      adaptationCredits(
        { path: r.path!, adapted: r.params, finalGradient: r.finalGradient },
        factors ? updateMultipliers(multipliers, factors[i]!, r.params.length) : multipliers!,
        alpha,
        metaSgdReach(config),
        perStep,
      ),
    );
    stepScales = stepScalesStep(scales, credits, config.metaSgd.lr, config.metaSgd.maxScale);
  }
  return { params, obsNorm, adam, stepScales };
}

/** Each task's inner step factors, one per update (`returnGapStep`; null without it: every factor 1). */
function stepFactors(config: TrainConfig, results: readonly AdaptResult[]): number[][] | null {
  if (isSineConfig(config) || config.inner.learner.algo !== 'vpg') return null;
  const gap = config.inner.learner.returnGapStep;
  if (!gap) return null;
  return results.map((r) => r.stats.returns.slice(0, config.inner.steps).map((R) => returnGapFactor(gap, R)));
}

/**
 * FOMAML's descent pseudo-gradient: the mean of the tasks' last inner updates, negated; with initStep "gradient"
 * divided by the Meta-SGD multipliers they used, and with return-gap factors by each task's own factor (per task,
 * then averaged; without factors the mean is taken first, as every run before them did).
 */
function fomamlInitStep(
  config: TrainConfig,
  results: readonly AdaptResult[],
  multipliers: Float32Array[] | null,
  factors: number[][] | null,
): Float32Array {
  const last = config.inner.steps - 1;
  const initGradient = !isSineConfig(config) && config.metaSgd?.initStep === 'gradient';
  const stepMultipliers = initGradient ? multipliers : null;
  if (factors) {
    const perTask = results.map((r, i) =>
      unscaledUpdate(
        fomamlGradient([r.path!.at(-1)!], [r.params]),
        updateMultipliers(stepMultipliers, factors[i]!, r.params.length)[last]!,
      ),
    );
    return meanDelta(new Float32Array(perTask[0]!.length), perTask);
  }
  const grad = fomamlGradient(
    results.map((r) => r.path!.at(-1)!),
    results.map((r) => r.params),
  );
  if (!stepMultipliers) return grad;
  return unscaledUpdate(grad, stepMultipliers[Math.min(last, stepMultipliers.length - 1)]!);
}
