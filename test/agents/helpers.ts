import { GaussianPolicy } from '../../src/agents/policy.js';

/** The largest elementwise difference of a and b, relative to the largest magnitude in either. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!), Math.abs(b[i]!));
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  return worst / Math.max(scale, 1e-12);
}

/**
 * A linear ball-nav policy that steers to the position its context names (a PD controller: mean action
 * K (context - position) - D velocity), so the best context is the unseen goal.
 */
export function steeringPolicy(): GaussianPolicy {
  const policy = GaussianPolicy.create(
    { hiddenSizes: [], obsNorm: false, valueFunction: false, contextDim: 2, initLogStd: -1 },
    6,
    2,
    0,
  );
  const params = policy.getParams();
  params.fill(0, 0, 12); // kernel [6 inputs, 2 actions], row-major
  for (const axis of [0, 1]) {
    params[axis * 2 + axis] = -1; // position
    params[(2 + axis) * 2 + axis] = -0.3; // velocity
    params[(4 + axis) * 2 + axis] = 1; // context
  }
  policy.setParams(params);
  return policy;
}
