/** Welford's running count, mean and sum of squared deviations of the discounted return. */
export interface RewardStats {
  count: number;
  mean: number;
  m2: number;
}

/**
 * Reward scaling by the running standard deviation of the discounted return (Gymnasium's NormalizeReward, as
 * CleanRL's PPO uses it): the value function and the advantages then live at a scale near 1 whatever the reward's,
 * so value clipping and one learning rate suit every env. Rewards are divided, not centred.
 */
export class RewardScaler {
  private count = 0;
  private mean = 0;
  private m2 = 0;

  /** `from`: statistics of an earlier scaler to continue (RewardScaler.stats). */
  constructor(
    private readonly gamma: number,
    from?: RewardStats,
  ) {
    if (from) ({ count: this.count, mean: this.mean, m2: this.m2 } = from);
  }

  /** The running statistics of the discounted return, to continue them in a later scaler. */
  stats(): RewardStats {
    return { count: this.count, mean: this.mean, m2: this.m2 };
  }

  /**
   * Folds the batch's discounted returns (restarting at each episode's first step, `timesteps[i] === 0`) into the
   * running statistics, then returns the rewards divided by the running standard deviation.
   */
  scale(rewards: Float32Array, timesteps: Int32Array): Float32Array {
    let ret = 0;
    for (let i = 0; i < rewards.length; i++) {
      ret = timesteps[i] === 0 ? rewards[i]! : ret * this.gamma + rewards[i]!;
      this.count++;
      const delta = ret - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (ret - this.mean);
    }
    const std = Math.sqrt(this.count > 1 ? this.m2 / this.count : 0) + 1e-8;
    return rewards.map((r) => r / std);
  }

  get std(): number {
    return Math.sqrt(this.count > 1 ? this.m2 / this.count : 0);
  }
}
