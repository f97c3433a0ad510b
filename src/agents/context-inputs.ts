import { TerrariumError } from '../core/errors.js';
import { GaussianPolicy } from './policy.js';

/**
 * A copy of `policy` with `contextDim` more inputs (its config's contextDim set), for an init trained without a
 * context to be adapted by the context learner. Every weight is kept; the first layers' new input rows are those of
 * a fresh policy with `seed`. A policy trained with its context held at 0 would end with exactly such rows: their
 * gradient is the context input times the layer's error, 0, so no optimizer moves them. With context 0 the copy acts
 * as the original does. `rows: "zero"` sets the new rows to 0 instead: the copy then ignores its context entirely
 * (for a reference that must not be moved by the context learner's exploration, such as the oracle).
 */
export function withContextInputs(
  policy: GaussianPolicy,
  contextDim: number,
  seed: number,
  rows: 'fresh' | 'zero' = 'fresh',
): GaussianPolicy {
  if (policy.config.contextDim !== 0) {
    throw new TerrariumError(
      'policy.contextDim',
      policy.config.contextDim,
      '0 (a policy without context inputs)',
    );
  }
  const obsDim = policy.obsDim + contextDim;
  const widened = GaussianPolicy.create({ ...policy.config, contextDim }, obsDim, policy.actDim, seed);
  const params = widened.getParams();
  const old = policy.getParams();
  policy.specs.forEach((spec, i) => {
    const target = widened.specs[i]!;
    const source = old.subarray(spec.offset, spec.offset + spec.size);
    // First-layer kernels are [inputs, hidden] row-major: the old rows come first, the context rows after them.
    params.set(source, target.offset);
    if (rows === 'zero') params.fill(0, target.offset + spec.size, target.offset + target.size);
  });
  widened.setParams(params);
  const norm = policy.getObsNorm();
  widened.setObsNorm({
    mean: [...norm.mean, ...new Array<number>(contextDim).fill(0)],
    var: [...norm.var, ...new Array<number>(contextDim).fill(1)],
    count: norm.count,
  });
  return widened;
}
