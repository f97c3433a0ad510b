/**
 * A warm start (`initFrom`): a new run's first meta-init is another run's latest checkpoint, e.g. domain
 * randomization's policy, so meta-learning starts from a robot that already walks instead of from a random init.
 * The source must be an RL run of the same env, robot, reward and network; a source without context inputs (a DR or
 * pretrain run) is widened to the run's contextDim as `terrarium eval` widens its baselines (withContextInputs: the
 * new first-layer rows as a fresh init has them, so at context 0 the copy acts as the source does).
 *
 * The source's env steps and wall time are the run's starting totals: metrics' `totalEnvSteps` counts the warm
 * start's budget too, so a comparison "on the same budget" stays honest (and `envStepBudget` includes it).
 */
import { withContextInputs } from '../agents/context-inputs.js';
import type { ObsNormState } from '../agents/obs-norm.js';
import type { GaussianPolicy } from '../agents/policy.js';
import { TerrariumError } from '../core/errors.js';
import { robotHash } from '../envs/robot-file.js';
import type { RobotSpec } from '../envs/robot-spec.js';
import { loadRunIfCheckpointed } from './checkpoint.js';
import { isSineConfig, type RlTrainConfig } from './config.js';
import { runConfigPolicy } from './rl-learner.js';

export interface WarmStart {
  params: Float32Array;
  obsNorm: ObsNormState;
  envSteps: number;
  wallSeconds: number;
  /** What was loaded, for the trainer's start notes. */
  note: string;
}

/** The first meta-init of `config` from the run in `config.initFrom` (tfjs initialized); `seed`: new rows' init. */
export async function warmStart(config: RlTrainConfig, seed: number): Promise<WarmStart> {
  const dir = config.initFrom!;
  const source = await loadRunIfCheckpointed(dir).catch((error: unknown) => {
    throw new TerrariumError('initFrom', dir, 'a run directory of `terrarium train`', String(error));
  });
  if (!source) throw new TerrariumError('initFrom', dir, 'a run directory with at least one checkpoint');
  if (isSineConfig(source.config))
    throw new TerrariumError('initFrom', dir, `a run of env "${config.env}"`, 'it is a sine run');
  const trained = source.config;
  checkSame(dir, 'env', trained.env, config.env);
  // Robots compare by their canonical JSON's hash (a run's config.json names its robot file).
  const robot = (c: RlTrainConfig) =>
    c.robot ? `sha256 ${robotHash(c.robot as RobotSpec)}` : 'the shipped robot';
  checkSame(dir, 'robot', robot(trained), robot(config));
  checkSame(dir, 'reward', trained.reward ?? null, config.reward ?? null);
  checkSame(dir, 'observeTask', trained.observeTask, config.observeTask);
  for (const field of ['hiddenSizes', 'activation', 'valueFunction', 'obsNorm'] as const) {
    checkSame(dir, `policy.${field}`, trained.policy[field], config.policy[field]);
  }
  const contextDim = trained.policy.contextDim;
  if (contextDim !== config.policy.contextDim && contextDim !== 0) {
    throw new TerrariumError(
      `initFrom ${dir}: policy.contextDim`,
      contextDim,
      `0 or the run's ${config.policy.contextDim}`,
    );
  }
  const policy = runConfigPolicy(trained, source.params, source.obsNorm as ObsNormState);
  let widened: GaussianPolicy | null = null;
  try {
    const target =
      contextDim === config.policy.contextDim
        ? policy
        : (widened = withContextInputs(policy, config.policy.contextDim, seed));
    const { envSteps, wallSeconds } = source.checkpoint;
    return {
      params: target.getParams(),
      obsNorm: target.getObsNorm(),
      envSteps,
      wallSeconds,
      note:
        `warm start from ${dir} (${trained.algo}, iteration ${source.iteration}, ${envSteps} env steps` +
        `${widened ? `; ${config.policy.contextDim} context inputs added` : ''})`,
    };
  } finally {
    policy.dispose();
    widened?.dispose();
  }
}

function checkSame(dir: string, field: string, source: unknown, run: unknown): void {
  if (JSON.stringify(source) === JSON.stringify(run)) return;
  throw new TerrariumError(`initFrom ${dir}: ${field}`, source, `the run's ${JSON.stringify(run)}`);
}
