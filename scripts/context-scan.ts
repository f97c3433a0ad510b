// The meta-init of a context run rolled out at fixed contexts: for a task of each listed direction, the context
// `base` scaled by each factor, every copy at that context, one batch each; prints return and speed. It shows how
// fast the network can go at the best context, whatever a context step would reach (docs/locomotion.md).
// Usage: npx tsx scripts/context-scan.ts --run models/ant-dir [--forward -1.2,-1.5] [--backward 0.7,1.6]
//   [--scales 0.5,1,1.5,2,3] [--episodes 10] [--seed 99]
import { parseArgs } from 'node:util';
import { initBackend } from '../src/agents/backend.js';
import { GaussianPolicy } from '../src/agents/policy.js';
import { collectEpisodes, meanReturn, meanSpeed } from '../src/agents/rollout.js';
import { setContexts } from '../src/envs/context-input.js';
import { makeVectorEnv } from '../src/envs/registry.js';
import { loadLatestCheckpoint } from '../src/meta/checkpoint.js';
import type { RlTrainConfig } from '../src/meta/config.js';
import { evalTasks } from '../src/meta/eval/evaluate.js';
import { metaMethod } from '../src/meta/eval/methods.js';

const { values } = parseArgs({
  options: {
    run: { type: 'string', default: 'models/ant-dir' },
    forward: { type: 'string', default: '-1.2,-1.5' },
    backward: { type: 'string', default: '0.7,1.6' },
    scales: { type: 'string', default: '0.5,1,1.5,2,3' },
    episodes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '99' },
  },
});
const numbers = (list: string) => list.split(',').map(Number);
await initBackend('wasm');
const run = await loadLatestCheckpoint(values.run!);
const config = run.config as RlTrainConfig;
const method = metaMethod(run);
const contextDim = method.policy.contextDim ?? 0;
if (contextDim < 1) throw new Error(`${values.run}: not a context run (policy.contextDim 0)`);
const episodes = Number(values.episodes);
const venv = await makeVectorEnv(config.env, episodes, {
  robot: config.robot,
  maxEpisodeSteps: config.maxEpisodeSteps,
  reward: config.reward,
  contextDim,
});
const policy = GaussianPolicy.create(method.policy, venv.obsDim, venv.actDim, 0);
const init = method.init(0);
policy.setParams(init.params);
if (init.obsNorm) policy.setObsNorm(init.obsNorm);
type DirectionTask = { goal: { direction: [number, number] } };
const tasks = evalTasks(config, 40, 'test') as DirectionTask[];
console.log('direction | scale | context | return | m/s');
for (const [sign, base] of [
  [1, numbers(values.forward!)],
  [-1, numbers(values.backward!)],
] as const) {
  const task = tasks.find((t) => Math.sign(t.goal.direction[0]) === sign);
  if (!task) continue;
  venv.setTasks(task);
  for (const scale of numbers(values.scales!)) {
    const context = new Float32Array(base.map((v) => v * scale));
    setContexts(venv.envs, context, contextDim);
    const batch = collectEpisodes(policy, venv, episodes, Number(values.seed), { values: false });
    const speed = meanSpeed(batch) ?? Number.NaN;
    console.log(
      `${sign > 0 ? '+x' : '-x'} | ${scale} | ${Array.from(context, (v) => v.toFixed(2)).join(', ')} | ` +
        `${meanReturn(batch).toFixed(1)} | ${speed.toFixed(2)}`,
    );
  }
}
policy.dispose();
venv.close();
