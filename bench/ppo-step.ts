/**
 * `npm run bench -- ppo-step [--rounds N] [--json]`
 *
 * One PPO minibatch step (the loss's gradient, then PPO's Adam (HostAdam) with the gradient clipped to norm 0.5) on wasm: the
 * gradient recorded on tfjs's tape (`ppoLoss` through tf.variableGrads, what ppo.ts ran before) against the
 * hand-written one (`ppoGradient`, ppo-gradient.ts). Two policy shapes on the ant (27 inputs, 8 actions): train-task's
 * default 64-64 tanh at its minibatch of 100 (16 episodes x 200 steps / 32), and the suites' oracle and
 * domain-randomization PPO, 100-100 relu at 125 (20 x 200 / 32). Timed as CPU time of this process (it does not count
 * the time other processes hold the core, so it is steadier than wall time on a shared machine) and as wall time,
 * variants alternating each round; medians over rounds. A PPO update is 320 such steps (10 epochs x 32 minibatches).
 *
 * Then one whole PPO update (train-task's: 3,200 samples, 10 epochs x 32 minibatches, 64-64 tanh) with the value
 * net's half in the updating thread against on a thread of its own (ppo-value-thread.ts), wall time, the two
 * alternating, and the median of the paired rounds' ratios.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/agents/backend.js';
import { clipScale, ppoAdam } from '../src/agents/host-adam.js';
import { GaussianPolicy } from '../src/agents/policy.js';
import { PpoLearner, ppoConfigSchema } from '../src/agents/ppo.js';
import { type PpoMinibatch, ppoGradient, ppoLoss } from '../src/agents/ppo-gradient.js';
import { inlineValuePart, threadValuePart, type ValuePart } from '../src/agents/ppo-value-thread.js';
import type { RolloutBatch } from '../src/agents/rollout.js';
import { machineInfo } from '../src/cli/machine-info.js';
import { Rng } from '../src/core/rng.js';
import { median } from '../src/core/summary.js';

const TERMS = { clipCoef: 0.2, clipVloss: true, entCoef: 0, vfCoef: 0.5 };
const SHAPES = [
  { name: 'train-task default', hiddenSizes: [64, 64], activation: 'tanh' as const, minibatch: 100 },
  { name: 'suite oracle / DR', hiddenSizes: [100, 100], activation: 'relu' as const, minibatch: 125 },
];

function minibatch(p: GaussianPolicy, n: number, rng: Rng): PpoMinibatch {
  const normal = (k: number) => Float32Array.from({ length: k }, () => rng.normal());
  const obs = tf.tensor2d(normal(n * p.obsDim), [n, p.obsDim]);
  const actions = tf.tensor2d(normal(n * p.actDim), [n, p.actDim]);
  const own = tf.tidy(() => p.logProbTensor(obs, actions).dataSync());
  const values = tf.tidy(() => p.valueTensor(obs).dataSync());
  return {
    obs,
    actions,
    logProbs: tf.tensor1d(own.map((x) => x + (rng.float() - 0.5) * 0.6)),
    advantages: tf.tensor1d(normal(n)),
    returns: tf.tensor1d(normal(n)),
    values: tf.tensor1d(values.map((v) => v + (rng.float() - 0.5))),
  };
}

/** CPU and wall ms a call over `calls` calls. */
function measure(fn: () => void, calls: number) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / calls, wallMs: (performance.now() - t0) / calls };
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 7;
  await initBackend('wasm');
  const machine = machineInfo();
  const say = (text: string) => {
    if (!json) process.stdout.write(`${text}\n`);
  };
  say(
    `bench ppo-step: ${rounds} rounds, backend wasm, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  say(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}`);
  say(
    '| policy | minibatch | tape: CPU ms (wall) | hand-written: CPU ms (wall) | CPU ratio | kernels tape / hand |',
  );
  say('|---|---|---|---|---|---|');
  const results = [];
  for (const shape of SHAPES) {
    const p = GaussianPolicy.create(
      { hiddenSizes: shape.hiddenSizes, activation: shape.activation },
      27,
      8,
      0,
    );
    const mb = minibatch(p, shape.minibatch, new Rng(1));
    const optimizer = ppoAdam(1e-5);
    const step = (grads: tf.NamedTensorMap) =>
      optimizer.stepWithScale(p.variables, grads, clipScale(optimizer.squaredNorm(p.variables, grads), 0.5));
    const variants = {
      tape: () =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => ppoLoss(p, mb, TERMS), p.variables);
          step(grads);
        }),
      hand: () =>
        tf.tidy(() => {
          step(ppoGradient(p, mb, TERMS, false).grads);
        }),
    };
    const kernels = {
      tape: (await tf.profile(variants.tape)).kernels.length,
      hand: (await tf.profile(variants.hand)).kernels.length,
    };
    const times = {
      tape: [] as { cpuMs: number; wallMs: number }[],
      hand: [] as { cpuMs: number; wallMs: number }[],
    };
    for (const name of ['tape', 'hand'] as const) measure(variants[name], 30);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['tape', 'hand'] as const) : (['hand', 'tape'] as const);
      for (const name of order) times[name].push(measure(variants[name], 100));
    }
    const med = (name: 'tape' | 'hand', key: 'cpuMs' | 'wallMs') => median(times[name].map((t) => t[key]));
    const r = {
      ...shape,
      tapeCpuMs: med('tape', 'cpuMs'),
      tapeWallMs: med('tape', 'wallMs'),
      handCpuMs: med('hand', 'cpuMs'),
      handWallMs: med('hand', 'wallMs'),
      kernels,
    };
    results.push(r);
    say(
      `| ${shape.name}: ${shape.hiddenSizes.join('-')} ${shape.activation} | ${shape.minibatch} | ${r.tapeCpuMs.toFixed(2)} (${r.tapeWallMs.toFixed(2)}) | ${r.handCpuMs.toFixed(2)} (${r.handWallMs.toFixed(2)}) | ${(r.tapeCpuMs / r.handCpuMs).toFixed(2)} | ${kernels.tape} / ${kernels.hand} |`,
    );
    optimizer.dispose();
    tf.dispose(Object.values(mb));
    p.dispose();
  }
  const update = await wholeUpdate(rounds);
  say(`\nOne PPO update (3,200 samples, 10 x 32 minibatches, 64-64 tanh), wall ms, ${rounds} paired rounds:`);
  say(
    '| value half in the updating thread | on its own thread | ratio (median of paired rounds) |\n|---|---|---|',
  );
  say(`| ${update.inlineMs.toFixed(0)} | ${update.threadMs.toFixed(0)} | ${update.ratio.toFixed(2)} |`);
  process.stdout.write(`${JSON.stringify({ bench: 'ppo-step', machine, rounds, results, update })}\n`);
}

/** A rollout batch of `n` samples in 200-step episodes, random but fixed, for the update alone. */
function syntheticBatch(n: number, obsDim: number, actDim: number): RolloutBatch {
  const r = new Rng(2);
  const normal = (k: number) => Float32Array.from({ length: k }, () => r.normal());
  const obs = normal(n * obsDim);
  return {
    obs,
    normObs: obs,
    actions: normal(n * actDim),
    logProbs: new Float32Array(n).fill(-10),
    rewards: normal(n),
    values: new Float32Array(n),
    terminated: new Uint8Array(n),
    truncated: Uint8Array.from({ length: n }, (_, i) => (i % 200 === 199 ? 1 : 0)),
    bootstrapValues: new Float32Array(n),
    timesteps: Int32Array.from({ length: n }, (_, i) => i % 200),
    size: n,
    obsDim,
    actDim,
    episodeReturns: [],
    episodeLengths: [],
    episodeSpeeds: [],
    envSteps: n,
  };
}

async function wholeUpdate(rounds: number) {
  const cfg = ppoConfigSchema.parse({ algo: 'ppo' });
  const policy = GaussianPolicy.create({}, 27, 8, 0);
  const batch = syntheticBatch(3200, 27, 8);
  const parts = {
    inline: inlineValuePart(cfg, ppoAdam(1e-4)),
    thread: await threadValuePart(policy, cfg, 1e-4),
  };
  const optimizer = ppoAdam(1e-4);
  // The update is private: it is what runs between two rollouts.
  const learner = new PpoLearner(cfg) as unknown as {
    update(p: GaussianPolicy, b: RolloutBatch, o: unknown, v: ValuePart, rng: Rng, s: null): unknown;
  };
  const times = { inline: [] as number[], thread: [] as number[] };
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? (['inline', 'thread'] as const) : (['thread', 'inline'] as const);
    for (const name of order) {
      const t0 = performance.now();
      learner.update(policy, batch, optimizer, parts[name], new Rng(round), null);
      if (round >= 0) times[name].push(performance.now() - t0);
    }
  }
  await parts.inline.close();
  await parts.thread.close();
  optimizer.dispose();
  policy.dispose();
  return {
    inlineMs: median(times.inline),
    threadMs: median(times.thread),
    ratio: median(times.inline.map((t, i) => t / times.thread[i]!)),
  };
}
