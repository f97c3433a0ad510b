/**
 * A context run's baselines (policy.contextDim > 0) are trained without a context: the context learner adapts only
 * the context, so pretraining uses a weight learner on a plain policy. `widenBaseline` copies such a baseline's
 * latest checkpoint into a context run's baseline directory with the context inputs added (withContextInputs: the new
 * first-layer rows as a fresh init has them, which is what pretraining with the context held at 0 leaves there), so
 * `terrarium eval` adapts it with the run's own context learner. A baseline that observes the task (the oracle) is
 * widened with zero rows instead: the context learner explores by perturbing the context in every batch, k = 0's
 * included, and the oracle, an upper reference measured before any update, must not be perturbed through rows it
 * never learned.
 */
import { withContextInputs } from '../../agents/context-inputs.js';
import type { ObsNormState } from '../../agents/obs-norm.js';
import type { GaussianPolicy } from '../../agents/policy.js';
import { TerrariumError } from '../../core/errors.js';
import { loadLatestCheckpoint, saveCheckpoint, writeRunConfig } from '../checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../config.js';
import { runConfigPolicy } from '../rl-learner.js';
import { initSeed } from '../trainer.js';

/** Whether a baseline trained with `baseline`'s policy must be widened to be adapted like the run `run`. */
export function needsContextInputs(run: RlTrainConfig, baseline: RlTrainConfig): boolean {
  return run.policy.contextDim > 0 && baseline.policy.contextDim === 0;
}

/** Writes the baseline in `fromDir` to `toDir` with the context inputs of the run `target` (tfjs initialized). */
export async function widenBaseline(fromDir: string, target: RlTrainConfig, toDir: string): Promise<void> {
  const baseline = await loadLatestCheckpoint(fromDir);
  const trained = baseline.config as RlTrainConfig;
  if (trained.env !== target.env || JSON.stringify(trained.tasks) !== JSON.stringify(target.tasks)) {
    throw new TerrariumError(
      `${fromDir}: env and tasks`,
      `${trained.env} ${JSON.stringify(trained.tasks)}`,
      `the run's (${target.env} ${JSON.stringify(target.tasks)})`,
    );
  }
  const policy = runConfigPolicy(trained, baseline.params, baseline.obsNorm as ObsNormState);
  let widened: GaussianPolicy | null = null;
  try {
    const rows = trained.observeTask ? 'zero' : 'fresh';
    widened = withContextInputs(policy, target.policy.contextDim, initSeed(target), rows);
    // How the baseline was trained stays with the copy as trained: rollout threads take no context inputs, and its
    // learner's state fits the narrower network.
    const { rolloutThreads: _threads, ...inner } = trained.inner;
    await writeRunConfig(toDir, parseTrainConfig({ ...trained, inner, policy: widened.config }));
    const { learnerState: _state, ...checkpoint } = baseline.checkpoint;
    await saveCheckpoint(toDir, {
      ...checkpoint,
      params: widened.getParams(),
      obsNorm: widened.getObsNorm(),
      adam: null,
    });
  } finally {
    policy.dispose();
    widened?.dispose();
  }
}
