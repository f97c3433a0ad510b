import { GaussianPolicy, type PolicyConfig, policyConfigSchema } from '../../src/agents/policy.js';

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

/**
 * GAE in float64 from its definition (Schulman et al. 2016), episode by episode: delta_t = r_t + gamma V_{t+1} - V_t,
 * A_t = delta_t + gamma lambda A_{t+1}; at an episode's last step V_{t+1} is 0 when terminated and the bootstrap
 * value when truncated (a batch's last step with neither flag counts as truncated). Returns A_t + V_t too.
 */
export function referenceGae(
  batch: {
    rewards: Float32Array;
    terminated: Uint8Array;
    truncated: Uint8Array;
    bootstrapValues: Float32Array;
  },
  values: ArrayLike<number>,
  gamma: number,
  lambda: number,
): { advantages: number[]; returns: number[] } {
  const n = batch.rewards.length;
  const adv = new Array<number>(n).fill(0);
  let start = 0;
  while (start < n) {
    let end = start;
    while (end < n - 1 && !batch.terminated[end] && !batch.truncated[end]) end++;
    let next = 0;
    for (let t = end; t >= start; t--) {
      const nextValue = t === end ? (batch.terminated[t] ? 0 : batch.bootstrapValues[t]!) : values[t + 1]!;
      const delta = batch.rewards[t]! + gamma * nextValue - values[t]!;
      next = delta + (t === end ? 0 : gamma * lambda * next);
      adv[t] = next;
    }
    start = end + 1;
  }
  return { advantages: adv, returns: adv.map((a, t) => a + values[t]!) };
}

/**
 * A ball-nav oracle that reads the goal it is told and steers to it (a linear PD controller, mean action
 * (goal - position) - 0.3 velocity): its policy config and params, for inputs x, z, vx, vz, goal x, z and the 5
 * dynamics numbers.
 */
export function steeringOracle(): { policy: PolicyConfig; params: Float32Array } {
  const policy = policyConfigSchema.parse({
    hiddenSizes: [],
    obsNorm: false,
    valueFunction: false,
    initLogStd: -1,
  });
  const steering = GaussianPolicy.create(policy, 4 + 7, 2, 0);
  const params = steering.getParams();
  steering.dispose();
  params.fill(0, 0, 11 * 2 + 2); // kernel [11 inputs, 2 actions] row-major, then the bias
  for (const axis of [0, 1]) {
    params[axis * 2 + axis] = -1; // position
    params[(2 + axis) * 2 + axis] = -0.3; // velocity
    params[(4 + axis) * 2 + axis] = 1; // goal
  }
  return { policy, params };
}
