/**
 * Does adaptation change the cheetah's speed? For a cheetah-vel run's meta-init and pretrained init, adapts each with
 * the run's own learner (k updates of the run's episodes) on N *training* tasks spread over the target velocities
 * (never the test split), and after each update measures the speed the policy actually runs at (forward velocity
 * averaged over M sampled episodes of the same dynamics). Prints speed per task and k, then for each init and k the
 * least-squares slope of speed on target velocity: 1 is a policy that tracks the target, 0 one that runs at one
 * speed whatever the task.
 * `--lr X` adapts with PPO's learning rate X instead of the run's (does a larger step change the speed?).
 * A context run (policy.contextDim > 0): the weights stay, the speed is measured at each adapted context.
 *   npx tsx scripts/speed-probe.ts runs/cv-ppo-s0 --tasks 6 --k 2 --episodes 2 [--lr 0.01]
 */
import { Command } from 'commander';
import { type BackendName, initBackend } from '../src/agents/backend.js';
import { type LearnerConfigInput, makeLearner } from '../src/agents/learner.js';
import { GaussianPolicy } from '../src/agents/policy.js';
import { Rng } from '../src/core/rng.js';
import { mean } from '../src/core/summary.js';
import type { ContextInput } from '../src/envs/context-input.js';
import { envEntry, makeEnv, makeVectorEnv } from '../src/envs/registry.js';
import { loadLatestCheckpoint } from '../src/meta/checkpoint.js';
import type { RlTrainConfig } from '../src/meta/config.js';
import { type EvalMethod, loadBaseline, metaMethod, savedMethod } from '../src/meta/eval/methods.js';

interface VelocityTask {
  goal: { kind: string; velocity: number; direction: [number, number] };
}

const opts = new Command()
  .argument('<run>', 'run directory of a cheetah-vel run (its pretrained baseline is probed too, if trained)')
  .option('--tasks <n>', 'training tasks, spread over the target velocities', Number, 6)
  .option('--k <n>', 'inner updates', Number, 3)
  .option('--episodes <n>', 'episodes measuring the speed after each update', Number, 2)
  .option(
    '--lr <x>',
    "the PPO learner's learning rate instead of the run's (a larger step at adaptation)",
    Number,
  )
  .parse();
const {
  tasks: n,
  k,
  episodes,
  lr,
} = opts.opts<{ tasks: number; k: number; episodes: number; lr?: number }>();
const runDir = opts.args[0]!;
const run = await loadLatestCheckpoint(runDir);
const config = run.config as RlTrainConfig;
await initBackend(config.backend as BackendName);

const methods: EvalMethod[] = [metaMethod(run)];
const pretrained = await loadBaseline(runDir, 'pretrained');
if (pretrained) methods.push(savedMethod('pretrained', pretrained, runDir, config));

// Many training tasks, then n of them at evenly spaced quantiles of the target velocity.
const pool = envEntry(config.env)
  .distribution(config.tasks)
  .sampleTrain(40 * n, 4242) as VelocityTask[];
if (pool[0]?.goal.kind !== 'velocity') throw new Error(`${runDir}: not a target-velocity run`);
pool.sort((a, b) => a.goal.velocity - b.goal.velocity);
const tasks = Array.from({ length: n }, (_, i) => pool[Math.round(((i + 0.5) / n) * pool.length - 0.5)]!);

const contextDim = config.policy.contextDim;
const venv = await makeVectorEnv(config.env, config.inner.episodesPerUpdate, {
  maxEpisodeSteps: config.maxEpisodeSteps,
  contextDim,
});
const env = await makeEnv(config.env, { maxEpisodeSteps: config.maxEpisodeSteps, contextDim });
const learnerConfig = config.inner.learner as LearnerConfigInput & { learningRate?: number };
if (lr !== undefined && learnerConfig.algo !== 'ppo')
  throw new Error('--lr: needs a run whose inner learner is PPO');
const learner = makeLearner(lr === undefined ? learnerConfig : { ...learnerConfig, learningRate: lr });
const budget = { updates: k, episodesPerUpdate: config.inner.episodesPerUpdate, measureFinal: false };

/** Mean forward velocity (m/s) of the policy with these params: a direction goal's forward term is the speed. */
function speed(policy: GaussianPolicy, task: VelocityTask, seed: number): number {
  const runTask = { ...task, goal: { kind: 'direction', direction: task.goal.direction } };
  const rng = new Rng(seed);
  let sum = 0;
  let steps = 0;
  for (let e = 0; e < episodes; e++) {
    let { obs } = env.reset({ task: runTask, seed: seed + e });
    for (;;) {
      const action = policy.act(obs, rng, false, { values: false, path: 'typed' }).actions;
      const step = env.step(action);
      sum += step.info.rewardTerms.forward ?? 0;
      steps++;
      obs = step.obs;
      if (step.terminated || step.truncated) break;
    }
  }
  return sum / steps;
}

/**
 * A context run: the speed at the context after j = 0..k context updates (the first j updates of one seed are the
 * same whatever the budget, so adapting with j updates gives update j's context).
 */
async function contextSpeeds(policy: GaussianPolicy, task: VelocityTask, seed: number, speedSeed: number) {
  const row: number[] = [];
  for (let j = 0; j <= k; j++) {
    const result = await learner.adapt(policy, venv, { ...budget, updates: j }, seed, {}, {});
    (env as ContextInput<unknown>).setContext(result.context!);
    row.push(speed(policy, task, speedSeed));
    result.policy.dispose();
  }
  return row;
}

const speeds: Record<string, number[][]> = {};
console.log(`target | ${methods.map((m) => `${m.name} k = 0..${k}`).join(' | ')}`);
for (const [i, task] of tasks.entries()) {
  const cells: string[] = [];
  for (const method of methods) {
    const init = method.init(0);
    const policy = GaussianPolicy.create(method.policy, venv.obsDim, venv.actDim, 0);
    policy.setParams(init.params);
    if (init.obsNorm) policy.setObsNorm(init.obsNorm);
    venv.setTasks(task);
    if (contextDim > 0) {
      const row = await contextSpeeds(policy, task, 7000 + i, 100 * i);
      policy.dispose();
      (speeds[method.name] ??= []).push(row);
      cells.push(row.map((s) => s.toFixed(2)).join(' '));
      continue;
    }
    const result = await learner.adapt(policy, venv, budget, 7000 + i, {}, {});
    const row: number[] = [];
    for (const [j, params] of [...result.paramsBeforeUpdates, result.policy.getParams()].entries()) {
      policy.setParams(params);
      // The statistics the update saw (the init's before any); close enough for later ones.
      const obsNorm = j === 0 ? init.obsNorm : result.policy.getObsNorm();
      if (obsNorm) policy.setObsNorm(obsNorm);
      row.push(speed(policy, task, 100 * i));
    }
    result.policy.dispose();
    policy.dispose();
    (speeds[method.name] ??= []).push(row);
    cells.push(row.map((s) => s.toFixed(2)).join(' '));
  }
  console.log(`${task.goal.velocity.toFixed(2)} | ${cells.join(' | ')}`);
}

const targets = tasks.map((t) => t.goal.velocity);
/** Least-squares slope of y on x. */
const slope = (x: number[], y: number[]) => {
  const mx = mean(x);
  const my = mean(y);
  const sxy = x.reduce((a, xi, j) => a + (xi - mx) * (y[j]! - my), 0);
  const sxx = x.reduce((a, xi) => a + (xi - mx) ** 2, 0);
  return sxy / sxx;
};
for (const [name, rows] of Object.entries(speeds)) {
  const perK = Array.from({ length: k + 1 }, (_, j) =>
    slope(
      targets,
      rows.map((r) => r[j]!),
    ).toFixed(2),
  );
  const meanSpeed = Array.from({ length: k + 1 }, (_, j) =>
    (rows.reduce((a, r) => a + r[j]!, 0) / rows.length).toFixed(2),
  );
  console.log(
    `${name}: slope of speed on target, k = 0..${k}: ${perK.join(' ')}; mean speed ${meanSpeed.join(' ')}`,
  );
}
venv.close();
env.close();
