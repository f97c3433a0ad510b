/**
 * Context adaptation: the network stays fixed and only a small task context, the policy's last `contextDim` inputs
 * (CAVIA: Zintgraf et al. 2019, "Fast Context Adaptation via Meta-Learning"), moves. The context starts at 0 for
 * every task and follows a parameter-exploring policy gradient (PGPE: Sehnke et al. 2010), the gradient of the
 * expected return when each episode's context is drawn from N(c, sigma^2 I):
 *
 *   copies 2p, 2p+1 run contexts c + sigma eps_p and c - sigma eps_p (antithetic pairs, eps_p ~ N(0, I))
 *   c <- c + lr * sigma * mean_p(eps_p * (z_2p - z_2p+1) / 2),   z = the episodes' returns standardized
 *
 * With `measure: "search"` (the default) every batch, the one that measures the last update included, samples from the
 * current search distribution, so the return after k updates is that of N(c_k, sigma^2). With `measure: "mean"` the
 * return after k updates is that of the adapted policy itself, every copy at c_k (as evolution strategies report their
 * mean), from a batch of its own; the perturbed batches only feed the steps (one more batch per measured k; the weight
 * updates that follow in a meta-run see c_k too). A whole episode's return scores each context, so a few numbers
 * that the network has learned to read as "how to behave on this task" move a long way from a few episodes; the
 * gradient of action noise over thousands of weights does not (docs/results.md, cheetah-vel speed probe).
 * On return every env copy holds the adapted context c_k (a learner that adapts the weights next sees it).
 */
import { z } from 'zod';
import { TerrariumError } from '../core/errors.js';
import { deriveSeed, Rng } from '../core/rng.js';
import { mean } from '../core/summary.js';
import { setContexts } from '../envs/context-input.js';
import type { VectorEnv } from '../envs/vector-env.js';
import { adaptLoop } from './adapt-loop.js';
import type { Learner } from './learner.js';
import type { RolloutBatch } from './rollout.js';

export const contextConfigSchema = z
  .object({
    algo: z.literal('context'),
    /** Step size, in units of sigma per unit of standardized return correlation. */
    lr: z.number().positive().max(100).default(1),
    /** Standard deviation of each episode's context around the current one. */
    sigma: z.number().positive().max(10).default(0.5),
    /** What the return after k updates measures: the search distribution N(c_k, sigma^2) (absent: "search"), or c_k. */
    measure: z.enum(['search', 'mean']).optional(),
  })
  .strict();

export type ContextConfig = z.output<typeof contextConfigSchema>;

export class ContextLearner implements Learner {
  readonly name = 'context';

  constructor(readonly config: ContextConfig) {}

  readonly adapt: Learner['adapt'] = async (policy, venv, budget, seed, hooks, options = {}) => {
    if (options.carry) throw new TerrariumError('learner.algo', 'context', '"ppo" to keep the learner state');
    if (options.priorBatches) {
      throw new TerrariumError('learner.algo', 'context', '"ppo" to learn from prior batches');
    }
    const dim = policy.config.contextDim;
    if (dim < 1) throw new TerrariumError('policy.contextDim', dim, 'at least 1 for the context learner');
    if (options.stepScales || options.finalGradient || options.explorationGradient) {
      throw new TerrariumError('learner.algo', 'context', '"vpg" for metaSgd or explorationTerm');
    }
    if (budget.episodesPerUpdate !== venv.num || venv.num % 2 !== 0) {
      throw new TerrariumError(
        'episodesPerUpdate',
        budget.episodesPerUpdate,
        `an even number equal to the env copies (${venv.num}): one episode a copy, in antithetic pairs`,
      );
    }
    const rng = new Rng(deriveSeed(seed, 0xc0e7));
    const context = new Float32Array(dim);
    let eps = this.perturb(venv, context, rng);
    const batches: RolloutBatch[] = [];
    const result = await adaptLoop(
      { policy, venv, budget, seed, hooks },
      {
        needsValues: options.keepBatches ?? false,
        update: (_policy, batch) => {
          if (options.keepBatches) batches.push(batch);
          const info = this.step(context, eps, batch);
          eps = this.perturb(venv, context, rng);
          return info;
        },
        ...(this.config.measure === 'mean'
          ? {
              measureApart: {
                measure: () => setContexts(venv.envs, context, dim),
                search: () => this.applyPerturbation(venv, context, eps),
              },
            }
          : {}),
      },
    );
    setContexts(venv.envs, context, dim);
    return { ...result, context, ...(options.keepBatches ? { batches } : {}) };
  };

  /** Draws one eps per antithetic pair and gives the copies their contexts; returns the eps (pairs x dim). */
  private perturb(venv: VectorEnv<unknown>, context: Float32Array, rng: Rng): Float32Array {
    const eps = new Float32Array((venv.num / 2) * context.length);
    for (let i = 0; i < eps.length; i++) eps[i] = rng.normal();
    this.applyPerturbation(venv, context, eps);
    return eps;
  }

  /** Copies 2p and 2p+1 get c + sigma eps_p and c - sigma eps_p. */
  private applyPerturbation(venv: VectorEnv<unknown>, context: Float32Array, eps: Float32Array): void {
    const dim = context.length;
    const rows = new Float32Array(venv.num * dim);
    for (let p = 0; p < venv.num / 2; p++) {
      for (let j = 0; j < dim; j++) {
        const e = eps[p * dim + j]!;
        rows[2 * p * dim + j] = context[j]! + this.config.sigma * e;
        rows[(2 * p + 1) * dim + j] = context[j]! - this.config.sigma * e;
      }
    }
    setContexts(venv.envs, rows, dim);
  }

  /** One PGPE step on `context` in place, from the batch's episode returns (episode i ran on copy i). */
  private step(context: Float32Array, eps: Float32Array, batch: RolloutBatch): Record<string, number> {
    const returns = batch.episodeReturns;
    const dim = context.length;
    const average = mean(returns);
    const std = Math.sqrt(returns.reduce((a, r) => a + (r - average) ** 2, 0) / returns.length);
    if (!(std > 1e-8)) return { stepNorm: 0, returnStd: std };
    const pairs = returns.length / 2;
    let sq = 0;
    for (let j = 0; j < dim; j++) {
      let g = 0;
      for (let p = 0; p < pairs; p++)
        g += (eps[p * dim + j]! * (returns[2 * p]! - returns[2 * p + 1]!)) / (2 * std);
      const delta = (this.config.lr * this.config.sigma * g) / pairs;
      context[j]! += delta;
      sq += delta * delta;
    }
    return { stepNorm: Math.sqrt(sq), returnStd: std };
  }
}
