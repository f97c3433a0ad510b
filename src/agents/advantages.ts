/**
 * Returns and advantages over a batch of whole episodes laid out one after another (as `collectEpisodes` returns
 * them). At an episode's last step: `terminated` means the task ended, so nothing follows (next value 0);
 * `truncated` means we stopped it, so the rest is estimated by `bootstrapValues[t]`, the value of the final
 * observation. A batch's last step that is neither is treated as truncated.
 */

export interface EpisodeEnds {
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** V(final observation) at truncated steps (ignored elsewhere). */
  bootstrapValues: Float32Array;
}

/** Discounted reward-to-go, G_t = r_t + gamma G_{t+1}, bootstrapped at truncation. */
export function discountedReturns(rewards: Float32Array, ends: EpisodeEnds, gamma: number): Float32Array {
  return gae(rewards, new Float32Array(rewards.length), ends, gamma, 1).returns;
}

/**
 * Generalized advantage estimation (Schulman et al. 2016):
 * delta_t = r_t + gamma V(s_{t+1}) - V(s_t), A_t = delta_t + gamma lambda A_{t+1} within an episode;
 * returns (the value targets) are A_t + V(s_t).
 */
export function gae(
  rewards: Float32Array,
  values: Float32Array,
  ends: EpisodeEnds,
  gamma: number,
  gaeLambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const n = rewards.length;
  const advantages = new Float32Array(n);
  const returns = new Float32Array(n);
  let nextAdvantage = 0;
  for (let t = n - 1; t >= 0; t--) {
    const last = t === n - 1 || ends.terminated[t] === 1 || ends.truncated[t] === 1;
    let nextValue: number;
    if (!last) nextValue = values[t + 1]!;
    else if (ends.terminated[t] === 1) nextValue = 0;
    else nextValue = ends.bootstrapValues[t]!;
    if (last) nextAdvantage = 0;
    const delta = rewards[t]! + gamma * nextValue - values[t]!;
    nextAdvantage = delta + gamma * gaeLambda * nextAdvantage;
    advantages[t] = nextAdvantage;
    returns[t] = nextAdvantage + values[t]!;
  }
  return { advantages, returns };
}

/** (x - mean) / (std + 1e-8), a new array. */
export function normalizeAdvantages(x: Float32Array): Float32Array {
  const n = x.length;
  if (n === 0) return new Float32Array(0);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i]! - mean) ** 2;
  const std = Math.sqrt(variance / n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i]! - mean) / (std + 1e-8);
  return out;
}
