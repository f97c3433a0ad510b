/**
 * What an eval of a context run calls "the return after k updates". The context learner (src/agents/context-learner.ts)
 * explores with PGPE: each batch runs contexts drawn from N(c_k, sigma^2). `mean` (the default of every eval) measures
 * the adapted policy itself, every episode at c_k, as evolution strategies report their mean and as the meta-run's
 * weight updates saw it; `search` measures the search distribution around c_k, what evals did before 2026-12-07.
 * The search batches are seeded apart from the measuring ones, which every learner seeds alike (common random numbers).
 */
import { TerrariumError } from '../../core/errors.js';
import type { RlTrainConfig } from '../config.js';

export type ContextMeasure = 'search' | 'mean';

export const DEFAULT_CONTEXT_MEASURE: ContextMeasure = 'mean';

export function parseContextMeasure(value: string): ContextMeasure {
  if (value === 'search' || value === 'mean') return value;
  throw new TerrariumError('--context-measure', value, 'search or mean');
}

/** The run's config with its context learner measuring as `flag` says (default mean); other runs as they are. */
export function withContextMeasure(config: RlTrainConfig, flag?: ContextMeasure): RlTrainConfig {
  const { learner } = config.inner;
  if (learner.algo !== 'context') {
    if (flag === undefined) return config;
    throw new TerrariumError(
      '--context-measure',
      flag,
      `unset for a ${learner.algo} run (context runs only)`,
    );
  }
  const measure = flag ?? DEFAULT_CONTEXT_MEASURE;
  // An absent field means "search" to the learner: leave it absent so such an eval pools with the earlier ones.
  const { measure: _old, ...rest } = learner;
  return {
    ...config,
    inner: { ...config.inner, learner: measure === 'mean' ? { ...rest, measure } : rest },
  };
}

/** How a context run's returns were measured, for results.md's first line (nothing for other learners). */
export function contextMeasureLabel(config: RlTrainConfig): string {
  const { learner } = config.inner;
  if (learner.algo !== 'context') return '';
  return learner.measure === 'mean'
    ? ', each k measured at the adapted context'
    : ', each k measured on the context search distribution';
}
