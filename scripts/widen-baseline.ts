/**
 * Gives a context run (policy.contextDim > 0) a baseline trained elsewhere without a context (e.g. another run's
 * `pretrained/`): copies it into RUN/pretrained with the context inputs added (src/meta/eval/widen-baseline.ts), so
 * `terrarium eval --run RUN --baselines pretrained` adapts it with the run's context learner. The baseline must be
 * for the same env and task distribution. (`terrarium pretrain --run RUN` does this itself for baselines it trains.)
 *   npx tsx scripts/widen-baseline.ts runs/cv-ppo-s0/pretrained runs/cv-ctx-s0
 */
import { Command } from 'commander';
import { initBackend } from '../src/agents/backend.js';
import { readRunConfig } from '../src/meta/checkpoint.js';
import type { RlTrainConfig } from '../src/meta/config.js';
import { baselineDir } from '../src/meta/eval/methods.js';
import { widenBaseline } from '../src/meta/eval/widen-baseline.js';

const program = new Command()
  .argument('<baseline>', 'a trained baseline run directory (algo "pretrain", no context inputs)')
  .argument('<run>', 'the context run that gets it as RUN/pretrained')
  .parse();
const [fromDir, runDir] = program.args as [string, string];

await initBackend('cpu');
const toDir = baselineDir(runDir, 'pretrained');
await widenBaseline(fromDir, (await readRunConfig(runDir)) as RlTrainConfig, toDir);
console.log(`${toDir}: ${fromDir} with the run's context inputs`);
