/**
 * `npm run bench -- learn [--sections a,b] [--seeds N] [--ball-steps N] [--cheetah-steps N] [--json]`
 *
 * Does learning work, and what does it cost?
 * - ppo-ball: PPO on one ball-nav task vs the best straight-to-goal PD controller (a grid of gains), over seeds;
 *   goal: within 10 % of the controller's return.
 * - ppo-cheetah: PPO on one cheetah target-velocity task, initial vs final return, mean +- std over seeds.
 * - vpg-ball: VPG, 1 to 3 updates of 20 episodes from a fresh policy, on several ball-nav tasks.
 * - speed: policy forward + sampling as a share of rollout wall time (ant, 16 envs; goal <= 25 %), env steps/s
 *   during PPO training vs bare vector-env steps/s (ball-nav), and wasm vs cpu: tfjs forward at batch 1 and 64,
 *   the typed-array forward at batch 1, an Adam step on 2048 samples, for a 27-64-64-8 policy; and on wasm, one
 *   gradient step of that policy with tfjs's plain ops vs the fused dense layers (dense-layer.ts), and PPO's clipped
 *   optimizer step with tf.train.adam vs HostAdam (host-adam.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/agents/backend.js';
import { setFusedDenseLayers } from '../src/agents/dense-layer.js';
import { clipScale, HostAdam } from '../src/agents/host-adam.js';
import { makeLearner } from '../src/agents/learner.js';
import { GaussianPolicy } from '../src/agents/policy.js';
import { machineInfo } from '../src/cli/machine-info.js';
import { Rng } from '../src/core/rng.js';
import { mean, median } from '../src/core/summary.js';
import { envEntry, makeEnv, makeVectorEnv } from '../src/envs/registry.js';

const SECTIONS = ['ppo-ball', 'ppo-cheetah', 'vpg-ball', 'speed'] as const;

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const pm = (xs: number[]) => `${fmt(mean(xs))} +- ${fmt(std(xs))}`;

type BallTask = { goal: { position: [number, number] } };

/** Deterministic episode return of a policy or controller on a single env. */
async function evaluate(
  id: string,
  task: unknown,
  act: (obs: Float32Array) => ArrayLike<number>,
  seeds: number[],
): Promise<number> {
  const env = await makeEnv(id, { task });
  const returns = seeds.map((seed) => {
    let { obs } = env.reset({ seed });
    let total = 0;
    for (;;) {
      const r = env.step(act(obs));
      total += r.reward;
      obs = r.obs;
      if (r.terminated || r.truncated) return total;
    }
  });
  env.close();
  return mean(returns);
}

/** Straight to the goal: a = clip(kp (goal - p) - kd v), the best gains of a small grid for this task. */
async function bestController(task: BallTask) {
  let best = { kp: 0, kd: 0, ret: -Infinity };
  for (const kp of [1, 2, 3, 5, 10, 20]) {
    for (const kd of [0.3, 0.5, 1, 1.5, 2, 3]) {
      const g = task.goal.position;
      const ret = await evaluate(
        'ball-nav',
        task,
        (o) => [0, 1].map((j) => clip(kp * (g[j]! - o[j]!) - kd * o[j + 2]!)),
        [0, 1, 2],
      );
      if (ret > best.ret) best = { kp, kd, ret };
    }
  }
  return best;
}

const clip = (x: number) => Math.max(-1, Math.min(1, x));

/** PPO defaults except a shorter discount: reaching the goal takes ~10 steps of a 100-step episode. */
const BALL_PPO = { algo: 'ppo', gamma: 0.95 } as const;

async function ppoBall(args: string[], seeds: number) {
  const steps = flag(args, 'ball-steps', 64_000);
  const task = envEntry('ball-nav').distribution().testTasks(1)[0] as BallTask;
  const controller = await bestController(task);
  const g = task.goal.position;
  const fixedPd = await evaluate(
    'ball-nav',
    task,
    (o) => [0, 1].map((j) => clip(2 * (g[j]! - o[j]!) - 0.5 * o[j + 2]!)),
    [0, 1, 2],
  );
  const episodes = 16;
  const updates = Math.max(1, Math.round(steps / (episodes * 100)) - 1);
  const runs = [];
  for (let seed = 0; seed < seeds; seed++) {
    const venv = await makeVectorEnv('ball-nav', 8, { task });
    const policy = GaussianPolicy.create({}, 4, 2, seed);
    const res = await makeLearner(BALL_PPO).adapt(
      policy,
      venv,
      { updates, episodesPerUpdate: episodes },
      seed,
    );
    const det = await evaluate('ball-nav', task, (o) => res.policy.meanActions(o), [0, 1, 2]);
    runs.push({
      seed,
      initial: res.stats.returns[0]!,
      final: res.stats.returns.at(-1)!,
      deterministic: det,
      ...res.stats,
    });
    policy.dispose();
    res.policy.dispose();
    venv.close();
  }
  const finals = runs.map((r) => r.deterministic);
  const within = mean(finals) >= controller.ret - 0.1 * Math.abs(controller.ret);
  return {
    task: task.goal.position,
    controller,
    fixedPd,
    learner: BALL_PPO,
    updates,
    envSteps: runs[0]!.envSteps,
    wallSeconds: mean(runs.map((r) => r.wallSeconds)),
    initial: runs.map((r) => r.initial),
    finalSampled: runs.map((r) => r.final),
    finalDeterministic: finals,
    withinTenPercent: within,
    envStepsPerSecTraining: mean(runs.map((r) => r.envSteps / r.wallSeconds)),
  };
}

async function ppoCheetah(args: string[], seeds: number) {
  try {
    envEntry('cheetah');
  } catch {
    return { skipped: 'cheetah is not registered' };
  }
  const steps = flag(args, 'cheetah-steps', 64_000);
  const entry = envEntry('cheetah');
  const task = {
    ...(entry.defaultTask() as object),
    goal: { kind: 'velocity', velocity: 1, direction: [1, 0] },
  };
  const episodes = 8;
  const updates = Math.max(1, Math.round(steps / (episodes * entry.maxEpisodeSteps)) - 1);
  const runs = [];
  for (let seed = 0; seed < seeds; seed++) {
    const venv = await makeVectorEnv('cheetah', 8, { task });
    const policy = GaussianPolicy.create({}, venv.obsDim, venv.actDim, seed);
    const res = await makeLearner({ algo: 'ppo' }).adapt(
      policy,
      venv,
      { updates, episodesPerUpdate: episodes },
      seed,
    );
    runs.push({ initial: res.stats.returns[0]!, final: res.stats.returns.at(-1)!, ...res.stats });
    policy.dispose();
    res.policy.dispose();
    venv.close();
  }
  return {
    task: task.goal,
    updates,
    envSteps: runs[0]!.envSteps,
    wallSeconds: mean(runs.map((r) => r.wallSeconds)),
    initial: runs.map((r) => r.initial),
    final: runs.map((r) => r.final),
  };
}

async function vpgBall(args: string[]) {
  const tasks = envEntry('ball-nav')
    .distribution()
    .testTasks(flag(args, 'vpg-tasks', 5));
  const curves: number[][] = [];
  for (const [i, task] of tasks.entries()) {
    const venv = await makeVectorEnv('ball-nav', 10, { task });
    const policy = GaussianPolicy.create({ valueFunction: false }, 4, 2, i);
    const res = await makeLearner({ algo: 'vpg' }).adapt(
      policy,
      venv,
      { updates: 3, episodesPerUpdate: 20 },
      i,
    );
    curves.push(res.stats.returns);
    policy.dispose();
    res.policy.dispose();
    venv.close();
  }
  return {
    tasks: tasks.length,
    alpha: 0.3,
    episodesPerUpdate: 20,
    returnsAfterUpdate: [0, 1, 2, 3].map((k) => curves.map((c) => c[k]!)),
  };
}

/** Microseconds a call: the median of 7 windows of ~60 ms (the machine is shared; medians resist noise). */
function timeIt(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const windows: number[] = [];
  for (let w = 0; w < 7; w++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 60) {
      fn();
      n++;
    }
    windows.push(((performance.now() - t0) / n) * 1000);
  }
  return windows.sort((a, b) => a - b)[3]!;
}

/**
 * One PPO-style gradient step (log-prob and value losses, Adam) of a 27-64-64-8 tanh policy with its value MLP (the
 * ant's) on a minibatch, ms a step on wasm: tfjs's plain ops (matMul, add, tanh; flagged matMul gradients) against
 * the fused dense layer (dense-layer.ts), timed in alternating windows.
 */
function updateStepMs(batch: number) {
  const r = new Rng(4);
  const p = GaussianPolicy.create({}, 27, 8, 0);
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * 27 }, () => r.normal()),
    [batch, 27],
  );
  const a = tf.tensor2d(
    Float32Array.from({ length: batch * 8 }, () => r.normal()),
    [batch, 8],
  );
  const opt: tf.Optimizer = tf.train.adam(1e-5);
  const step = (fused: boolean) => () => {
    setFusedDenseLayers(fused);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => p.logProbTensor(x, a).mean().neg().add(p.valueTensor(x).square().mean()) as tf.Scalar,
        p.variables,
      );
      opt.applyGradients(grads);
    });
    p.variables[0]!.dataSync();
  };
  // PPO's optimizer step (gradient clipped to global norm 0.5, then Adam): tf.train.adam against HostAdam.
  const clipOpt: tf.Optimizer = tf.train.adam(1e-5, 0.9, 0.999, 1e-5);
  const host = new HostAdam(1e-5, 0.9, 0.999, 1e-5);
  const clippedStep = (hostAdam: boolean) => () => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => p.logProbTensor(x, a).mean().neg().add(p.valueTensor(x).square().mean()) as tf.Scalar,
        p.variables,
      );
      if (hostAdam)
        host.stepWithScale(p.variables, grads, clipScale(host.squaredNorm(p.variables, grads), 0.5));
      else {
        const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => g.square().sum())));
        const scale = tf.minimum(1, tf.div(0.5, norm.add(1e-6)));
        clipOpt.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.mul(scale)])));
      }
    });
    p.variables[0]!.dataSync();
  };
  const times = {
    plainMs: [] as number[],
    fusedMs: [] as number[],
    clippedTfAdamMs: [] as number[],
    clippedHostAdamMs: [] as number[],
  };
  for (let round = 0; round < 3; round++) {
    times.plainMs.push(timeIt(step(false)) / 1000);
    times.fusedMs.push(timeIt(step(true)) / 1000);
    times.clippedTfAdamMs.push(timeIt(clippedStep(false)) / 1000);
    times.clippedHostAdamMs.push(timeIt(clippedStep(true)) / 1000);
  }
  setFusedDenseLayers(true);
  tf.dispose([x, a]);
  opt.dispose();
  clipOpt.dispose();
  host.dispose();
  p.dispose();
  return {
    plainMs: median(times.plainMs),
    fusedMs: median(times.fusedMs),
    clippedTfAdamMs: median(times.clippedTfAdamMs),
    clippedHostAdamMs: median(times.clippedHostAdamMs),
  };
}

async function speed() {
  // Policy share of rollout wall time on ant, 16 envs.
  await initBackend('wasm');
  const ant = await makeVectorEnv('ant', 16);
  const policy = GaussianPolicy.create({}, ant.obsDim, ant.actDim, 0);
  const rng = new Rng(0);
  let obs = ant.reset(0);
  let actMs = 0;
  let envMs = 0;
  for (let t = 0; t < 200; t++) {
    const t0 = performance.now();
    const out = policy.act(obs, rng, false, { values: true });
    const t1 = performance.now();
    obs = ant.step(out.actions).obs;
    envMs += performance.now() - t1;
    actMs += t1 - t0;
  }
  policy.dispose();
  ant.close();

  // Bare vector-env steps/s on ball-nav (random actions), for the training-throughput ratio.
  const ball = await makeVectorEnv('ball-nav', 8);
  ball.reset(0);
  const actions = Float32Array.from({ length: 16 }, () => rng.uniform(-1, 1));
  const t0 = performance.now();
  let steps = 0;
  while (performance.now() - t0 < 1000) {
    ball.step(actions);
    steps += 8;
  }
  const bareStepsPerSec = steps / ((performance.now() - t0) / 1000);
  ball.close();

  // wasm vs cpu on a 27-64-64-8 policy.
  const perBackend: Record<string, Record<string, number>> = {};
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend);
    const p = GaussianPolicy.create({}, 27, 8, 0);
    const r = new Rng(1);
    const o1 = Float32Array.from({ length: 27 }, () => r.normal());
    const o64 = Float32Array.from({ length: 64 * 27 }, () => r.normal());
    const x = tf.tensor2d(
      Float32Array.from({ length: 2048 * 27 }, () => r.normal()),
      [2048, 27],
    );
    const a = tf.tensor2d(
      Float32Array.from({ length: 2048 * 8 }, () => r.normal()),
      [2048, 8],
    );
    const opt: tf.Optimizer = tf.train.adam(3e-4);
    perBackend[backend] = {
      tfjsBatch1Us: timeIt(() => p.meanActions(o1, 'tfjs')),
      tfjsBatch64UsPerSample: timeIt(() => p.meanActions(o64, 'tfjs')) / 64,
      typedBatch1Us: timeIt(() => p.meanActions(o1, 'typed')),
      adam2048Ms:
        timeIt(() =>
          tf.tidy(() => {
            const { grads } = tf.variableGrads(
              () => p.logProbTensor(x, a).mean().neg().add(p.valueTensor(x).square().mean()) as tf.Scalar,
              p.variables,
            );
            opt.applyGradients(grads);
          }),
        ) / 1000,
    };
    opt.dispose();
    tf.dispose([x, a]);
    p.dispose();
  }
  await initBackend('wasm');
  return {
    update: [64, 512].map((batch) => ({ batch, ...updateStepMs(batch) })),
    antPolicyShareOfRollout: actMs / (actMs + envMs),
    antRolloutStepsPerSec: (200 * 16) / ((actMs + envMs) / 1000),
    ballBareVectorStepsPerSec: bareStepsPerSec,
    backends: perBackend,
  };
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const only = args.includes('--sections') ? args[args.indexOf('--sections') + 1]!.split(',') : [...SECTIONS];
  const seeds = flag(args, 'seeds', 3);
  const backend = await initBackend('wasm');
  const machine = machineInfo();
  const say = (text: string) => {
    if (!json) process.stdout.write(`${text}\n`);
  };
  say(`bench learn: sections ${only.join(', ')}, ${seeds} seeds, backend ${backend}`);
  say(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}`);
  const result: Record<string, unknown> = { machine, backend, seeds };

  if (only.includes('ppo-ball')) {
    const r = await ppoBall(args, seeds);
    result.ppoBall = r;
    say(
      `\nPPO (${JSON.stringify(r.learner)}) on ball-nav, goal (${r.task.map((x) => fmt(x)).join(', ')}), ${r.updates} updates x 16 episodes (${r.envSteps} env steps, ${fmt(r.wallSeconds, 1)} s a seed)`,
    );
    say('| policy | return |\n|---|---|');
    say(
      `| straight-to-goal PD (best of grid: kp ${r.controller.kp}, kd ${r.controller.kd}) | ${fmt(r.controller.ret)} |`,
    );
    say(`| straight-to-goal PD, fixed gains kp 2, kd 0.5 | ${fmt(r.fixedPd)} |`);
    say(`| PPO initial (sampled) | ${pm(r.initial)} |`);
    say(`| PPO final (sampled) | ${pm(r.finalSampled)} |`);
    say(`| PPO final (mean action) | ${pm(r.finalDeterministic)} |`);
    say(`PPO (mean action) within 10 % of the best-of-grid controller: ${r.withinTenPercent ? 'yes' : 'no'}`);
  }
  if (only.includes('ppo-cheetah')) {
    const r = await ppoCheetah(args, seeds);
    result.ppoCheetah = r;
    if ('skipped' in r) say(`\nPPO on cheetah: skipped (${r.skipped})`);
    else {
      say(
        `\nPPO on cheetah, target velocity 1 m/s, ${r.updates} updates x 8 episodes (${r.envSteps} env steps, ${fmt(r.wallSeconds, 1)} s a seed)`,
      );
      say(`| initial return | final return |\n|---|---|\n| ${pm(r.initial)} | ${pm(r.final)} |`);
    }
  }
  if (only.includes('vpg-ball')) {
    const r = await vpgBall(args);
    result.vpgBall = r;
    say(
      `\nVPG on ball-nav (${r.tasks} test tasks, fresh policy, alpha ${r.alpha}, ${r.episodesPerUpdate} episodes a step)`,
    );
    say('| updates | 0 | 1 | 2 | 3 |\n|---|---|---|---|---|');
    say(`| mean return | ${r.returnsAfterUpdate.map((xs) => pm(xs)).join(' | ')} |`);
  }
  if (only.includes('speed')) {
    const r = await speed();
    result.speed = r;
    say('\nSpeed');
    say(
      `policy forward + sampling share of rollout wall time (ant, 16 envs): ${fmt(100 * r.antPolicyShareOfRollout, 1)} % (goal <= 25 %)`,
    );
    const ball = result.ppoBall as { envStepsPerSecTraining?: number } | undefined;
    if (ball?.envStepsPerSecTraining) {
      say(
        `ball-nav env steps/s during PPO training / bare vector env: ${fmt(ball.envStepsPerSecTraining, 0)} / ${fmt(r.ballBareVectorStepsPerSec, 0)} = ${fmt(ball.envStepsPerSecTraining / r.ballBareVectorStepsPerSec, 3)}`,
      );
    } else
      say(
        `bare ball-nav vector env steps/s: ${fmt(r.ballBareVectorStepsPerSec, 0)} (run ppo-ball too for the ratio)`,
      );
    say(
      '| wasm gradient step, 27-64-64-8 tanh + value | plain ops (ms) | fused layers (ms) | ratio |\n|---|---|---|---|',
    );
    for (const b of r.update) {
      say(
        `| batch ${b.batch} | ${fmt(b.plainMs, 2)} | ${fmt(b.fusedMs, 2)} | ${fmt(b.plainMs / b.fusedMs, 2)} |`,
      );
    }
    say(
      "| PPO's optimizer step (clip to norm 0.5 + Adam), fused layers | tf.train.adam (ms) | HostAdam (ms) | ratio |\n|---|---|---|---|",
    );
    for (const b of r.update) {
      say(
        `| batch ${b.batch} | ${fmt(b.clippedTfAdamMs, 2)} | ${fmt(b.clippedHostAdamMs, 2)} | ${fmt(b.clippedTfAdamMs / b.clippedHostAdamMs, 2)} |`,
      );
    }
    say('| 27-64-64-8 policy | wasm | cpu | cpu / wasm |\n|---|---|---|---|');
    for (const key of ['tfjsBatch1Us', 'tfjsBatch64UsPerSample', 'typedBatch1Us', 'adam2048Ms'] as const) {
      const w = r.backends.wasm![key]!;
      const c = r.backends.cpu![key]!;
      say(`| ${key} | ${fmt(w, 2)} | ${fmt(c, 2)} | ${fmt(c / w, 2)} |`);
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'learn', ...result })}\n`);
}
