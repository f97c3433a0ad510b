/**
 * Gives a context run (policy.contextDim > 0) a baseline trained without a context: copies a trained baseline's
 * checkpoint (e.g. another run's `pretrained/`) into RUN/pretrained with the context inputs added
 * (src/agents/context-inputs.ts: the new input rows as a fresh init has them, which is what pretraining with the
 * context held at 0 leaves there), so `terrarium eval --run RUN --baselines pretrained` adapts it with the run's
 * context learner. The baseline must be for the same env and task distribution.
 *   npx tsx scripts/widen-baseline.ts runs/cv-ppo-s0/pretrained runs/cv-ctx-s0
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { initBackend } from '../src/agents/backend.js';
import { withContextInputs } from '../src/agents/context-inputs.js';
import type { ObsNormState } from '../src/agents/obs-norm.js';
import { GaussianPolicy } from '../src/agents/policy.js';
import { TerrariumError } from '../src/core/errors.js';
import { envEntry } from '../src/envs/registry.js';
import { loadLatestCheckpoint, saveCheckpoint, writeRunConfig } from '../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../src/meta/config.js';
import { policyObsDim } from '../src/meta/rl-learner.js';
import { initSeed } from '../src/meta/trainer.js';

const program = new Command()
  .argument('<baseline>', 'a trained baseline run directory (algo "pretrain", no context inputs)')
  .argument('<run>', 'the context run that gets it as RUN/pretrained')
  .parse();
const [baselineDir, runDir] = program.args as [string, string];

await initBackend('cpu');
const baseline = await loadLatestCheckpoint(baselineDir);
const run = await loadLatestCheckpoint(runDir);
const trained = baseline.config as RlTrainConfig;
const target = run.config as RlTrainConfig;
if (trained.env !== target.env || JSON.stringify(trained.tasks) !== JSON.stringify(target.tasks)) {
  throw new TerrariumError('baseline', baselineDir, `a baseline of the run's env and tasks (${target.env})`);
}
const policy = GaussianPolicy.create(trained.policy, policyObsDim(trained), envEntry(trained.env).actDim, 0);
policy.setParams(baseline.params);
policy.setObsNorm(baseline.obsNorm as ObsNormState);
const widened = withContextInputs(policy, target.policy.contextDim, initSeed(target));
const config = parseTrainConfig({ ...trained, policy: widened.config });
const outDir = join(runDir, 'pretrained');
await writeRunConfig(outDir, config);
await saveCheckpoint(outDir, {
  ...baseline.checkpoint,
  params: widened.getParams(),
  obsNorm: widened.getObsNorm(),
  adam: null,
});
console.log(`${outDir}: ${baselineDir} with ${target.policy.contextDim} context inputs`);
