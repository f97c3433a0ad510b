/**
 * How large should one inner update be, task by task? Adapts a run's meta-init (with its learned step sizes) by one
 * VPG update on N *training* tasks (never the test split), with the inner step alpha times each scale given, and
 * prints the return after the update per task (goal distance for ball-nav), per scale, and for the best scale of
 * each task. `--gap R1,R2,...` also tries steps proportional to the batch's mean return R, alpha * R / Ri (what
 * `returnGapStep` with bestReturn 0 and typicalGap -Ri does).
 *   npx tsx scripts/step-size-probe.ts runs/bn-fomsgd-ux4-s0 --scales 0.5,0.7,1,1.4,2 --gap -140,-170,-200
 */
import { Command } from 'commander';
import { type BackendName, initBackend } from '../src/agents/backend.js';
import { makeLearner, type VpgConfig } from '../src/agents/learner.js';
import { GaussianPolicy } from '../src/agents/policy.js';
import { collectEpisodes, meanReturn } from '../src/agents/rollout.js';
import { mean } from '../src/core/summary.js';
import { envEntry, makeVectorEnv } from '../src/envs/registry.js';
import { loadLatestCheckpoint } from '../src/meta/checkpoint.js';
import type { RlTrainConfig } from '../src/meta/config.js';
import { metaMethod } from '../src/meta/eval/methods.js';

const numbers = (text: string) => text.split(',').map(Number);
const opts = new Command()
  .argument('<run>', 'run directory')
  .option('--scales <list>', 'multiples of the inner step', numbers, [0.5, 0.7, 1, 1.4, 2])
  .option('--gap <list>', 'steps proportional to the batch return R: alpha * R / Ri', numbers, [])
  .option('--tasks <n>', 'training tasks', Number, 40)
  .parse();
const { scales, gap, tasks: n } = opts.opts<{ scales: number[]; gap: number[]; tasks: number }>();

const run = await loadLatestCheckpoint(opts.args[0]!);
const config = run.config as RlTrainConfig;
const inner = config.inner.learner as VpgConfig;
if (inner.algo !== 'vpg' || inner.returnGapStep)
  throw new Error('needs a run whose inner learner is a fixed-step VPG');
await initBackend(config.backend as BackendName);
const method = metaMethod(run);
const venv = await makeVectorEnv(config.env, config.inner.episodesPerUpdate, {
  maxEpisodeSteps: config.maxEpisodeSteps,
});
const policy = GaussianPolicy.create(method.policy, venv.obsDim, venv.actDim, 0);
const tasks = envEntry(config.env).distribution(config.tasks).sampleTrain(n, 4242);
const budget = { updates: 1, episodesPerUpdate: config.inner.episodesPerUpdate, measureFinal: false };

/** The return after one update of size alpha * scale on task i (40 evaluation episodes). */
async function afterOneUpdate(i: number, scale: number): Promise<{ before: number; after: number }> {
  const init = method.init(0);
  policy.setParams(init.params);
  policy.setObsNorm(init.obsNorm as never);
  venv.setTasks(tasks[i]);
  const options = method.stepScales ? { stepScales: method.stepScales } : {};
  const learner = makeLearner({ ...inner, alpha: inner.alpha * scale });
  const result = await learner.adapt(policy, venv, budget, 9000 + i, {}, options);
  const after = meanReturn(collectEpisodes(result.policy, venv, 40, 5000 + i));
  result.policy.dispose();
  return { before: result.stats.returns[0]!, after };
}

const columns = [...scales.map((s) => `x${s}`), ...gap.map((r) => `R/${r}`)];
const rows: number[][] = [];
console.log(`task | goal distance | ${columns.join(' | ')} | best fixed scale`);
for (let i = 0; i < tasks.length; i++) {
  const row: number[] = [];
  let before = 0;
  for (const s of scales) {
    const r = await afterOneUpdate(i, s);
    before = r.before;
    row.push(r.after);
  }
  for (const ref of gap) row.push((await afterOneUpdate(i, before / ref)).after);
  rows.push(row);
  const goal = (tasks[i] as { goal?: { position?: number[] } }).goal?.position;
  const distance = goal ? Math.hypot(...goal).toFixed(2) : '-';
  const fixed = row.slice(0, scales.length);
  const best = scales[fixed.indexOf(Math.max(...fixed))];
  console.log(`${i} | ${distance} | ${row.map((x) => x.toFixed(1)).join(' | ')} | ${best}`);
}
console.log(`mean | | ${columns.map((_, j) => mean(rows.map((r) => r[j]!)).toFixed(1)).join(' | ')} |`);
console.log(
  `each task's best fixed scale: ${mean(rows.map((r) => Math.max(...r.slice(0, scales.length)))).toFixed(1)}`,
);
venv.close();
policy.dispose();
