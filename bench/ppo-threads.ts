/**
 * `npm run bench -- ppo-threads [--env ant] [--rounds 5] [--updates 5] [--episodes 16] [--num-envs 8] [--json]`
 *
 * Does single-task PPO keep up with its env? Env steps/s of `train-task`'s PPO (its defaults: 16 episodes an
 * update on 8 copies, a 64-64 tanh policy with a value MLP) against the bare vector env of the same env and copies
 * (uniform random actions, one thread), in paired windows: each round runs the bare env, PPO collecting in the main
 * thread as before issue 27 (collectEpisodes), and PPO with its copies on 1 and 2 threads (episode-collector.ts),
 * in an order rotated each round, and each PPO figure is divided by the same round's bare figure, so drift on a
 * shared machine hits all alike. Reports the median ratio over rounds (goal for 2 threads on ant: >= 0.8), the
 * load average around each round, and checks that 1 and 2 threads gave the same returns.
 * Beside wall-clock ratios it reports ratios of critical-path CPU time (/proc/thread-self/stat: the main thread's
 * CPU seconds plus, for each threaded collect, its slowest worker's), an estimate of the idle-machine ratio that other
 * users of the cores do not move as much (on an oversubscribed machine a second thread mostly waits its turn).
 */
import os from 'node:os';
import { initBackend } from '../src/agents/backend.js';
import { createEpisodeCollector, type EpisodeCollector } from '../src/agents/episode-collector.js';
import { makeLearner } from '../src/agents/learner.js';
import { GaussianPolicy } from '../src/agents/policy.js';
import { machineInfo } from '../src/cli/machine-info.js';
import { Rng } from '../src/core/rng.js';
import { threadCpuSeconds } from '../src/core/thread-cpu.js';
import { makeVectorEnv } from '../src/envs/registry.js';
import type { VectorEnv } from '../src/envs/vector-env.js';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, d = 2) => x.toFixed(d);

type Variant = 'bare' | 'main-thread' | 'threads-1' | 'threads-2';
const VARIANTS: Variant[] = ['bare', 'main-thread', 'threads-1', 'threads-2'];

interface Window {
  envSteps: number;
  seconds: number;
  /** CPU seconds on the critical path: this thread's, plus the slowest slice's of each threaded collect. */
  cpuSeconds: number;
  /** Share of `cpuSeconds` spent collecting rollouts (the rest: PPO updates, GAE, obs statistics). */
  collectShare: number;
  returns: number[];
  /**
   * Env steps/s once the run is under way: from the end of the second batch to the end of the last (each cycle an
   * update and the next batch), leaving out what an adapt call pays once (the value thread's start-up, the first
   * batch, the first update's warm-up), as a long train-task run sees it. NaN below 4 updates.
   */
  steadyPerSec: number;
}

/** At least `envSteps` env steps of uniform random actions on `venv`, one thread. */
function bareWindow(venv: VectorEnv<unknown>, envSteps: number, seed: number): Window {
  const rng = new Rng(seed);
  venv.reset(seed);
  const actions = new Float32Array(venv.num * venv.actDim);
  const cpu0 = threadCpuSeconds();
  const t0 = performance.now();
  let steps = 0;
  while (steps < envSteps) {
    for (let i = 0; i < actions.length; i++) actions[i] = rng.uniform(-1, 1);
    venv.step(actions);
    steps += venv.num;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = threadCpuSeconds() - cpu0;
  return {
    envSteps: steps,
    seconds,
    cpuSeconds,
    collectShare: 1,
    returns: [],
    steadyPerSec: steps / seconds,
  };
}

/** A fresh PPO run of `updates` updates (no measuring batch), updates included. */
async function ppoWindow(
  venv: VectorEnv<unknown>,
  threaded: EpisodeCollector | null,
  updates: number,
  episodes: number,
  seed: number,
): Promise<Window> {
  const policy = GaussianPolicy.create({}, venv.obsDim, venv.actDim, seed);
  let workerCpu = 0;
  let collectCpu = 0;
  const collector: EpisodeCollector | null = threaded && {
    threads: threaded.threads,
    sliceCpuSeconds: [],
    close: () => threaded.close(),
    async collect(...args) {
      const cpu = threadCpuSeconds();
      const batch = await threaded.collect(...args);
      const slowestSlice = Math.max(0, ...threaded.sliceCpuSeconds);
      workerCpu += slowestSlice;
      collectCpu += threadCpuSeconds() - cpu + slowestSlice;
      return batch;
    },
  };
  const cpu0 = threadCpuSeconds();
  const t0 = performance.now();
  const marks: { envSteps: number; at: number }[] = [];
  const result = await makeLearner({ algo: 'ppo' }).adapt(
    policy,
    venv,
    { updates, episodesPerUpdate: episodes, measureFinal: false },
    seed,
    { onBatch: (b) => marks.push({ envSteps: b.envSteps, at: performance.now() }) },
    collector ? { collector } : {},
  );
  const [from, to] = [marks[1], marks.at(-1)];
  const steadyPerSec =
    marks.length >= 4 ? (to!.envSteps - from!.envSteps) / ((to!.at - from!.at) / 1000) : Number.NaN;
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = threadCpuSeconds() - cpu0 + workerCpu;
  result.policy.dispose();
  policy.dispose();
  return {
    envSteps: result.stats.envSteps,
    seconds,
    cpuSeconds,
    collectShare: collector ? collectCpu / cpuSeconds : Number.NaN,
    returns: result.stats.returns,
    steadyPerSec,
  };
}

export async function run(args: string[]): Promise<void> {
  const env = option(args, 'env', 'ant');
  const rounds = Number(option(args, 'rounds', '5'));
  const updates = Number(option(args, 'updates', '5'));
  const episodes = Number(option(args, 'episodes', '16'));
  const numEnvs = Number(option(args, 'num-envs', '8'));
  const json = args.includes('--json');
  const machine = machineInfo();
  await initBackend('wasm');
  const spec = { env, options: {} };
  const venv = await makeVectorEnv(env, numEnvs);
  const collectors = { 1: createEpisodeCollector(venv, spec, 1), 2: createEpisodeCollector(venv, spec, 2) };
  const windowOf = async (variant: Variant, seed: number, bareSteps: number) => {
    if (variant === 'bare') return bareWindow(venv, bareSteps, seed);
    const collector = variant === 'main-thread' ? null : collectors[variant === 'threads-1' ? 1 : 2];
    return ppoWindow(venv, collector, updates, episodes, seed);
  };
  const samples: {
    round: number;
    load: [number, number];
    perSec: Record<Variant, number>;
    perCpuSec: Record<Variant, number>;
    steadyPerSec: Record<Variant, number>;
    collectShare: Record<Variant, number>;
    returns: Record<Variant, number[]>;
  }[] = [];
  try {
    // Warm-up: worker start-up, env builds, tfjs kernels.
    for (const variant of VARIANTS) await windowOf(variant, 0, numEnvs * 200);
    const bareSteps = updates * episodes * envEntryMaxSteps(venv);
    for (let round = 1; round <= rounds; round++) {
      const load0 = os.loadavg()[0]!;
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      const perSec = {} as Record<Variant, number>;
      const perCpuSec = {} as Record<Variant, number>;
      const steadyPerSec = {} as Record<Variant, number>;
      const collectShare = {} as Record<Variant, number>;
      const returns = {} as Record<Variant, number[]>;
      for (const variant of order) {
        const w = await windowOf(variant, round, bareSteps);
        perSec[variant] = w.envSteps / w.seconds;
        perCpuSec[variant] = w.envSteps / w.cpuSeconds;
        steadyPerSec[variant] = w.steadyPerSec;
        collectShare[variant] = w.collectShare;
        returns[variant] = w.returns;
      }
      samples.push({
        round,
        load: [load0, os.loadavg()[0]!],
        perSec,
        perCpuSec,
        steadyPerSec,
        collectShare,
        returns,
      });
    }
  } finally {
    await collectors[2].close();
    await collectors[1].close();
    venv.close();
  }
  const ratio = (v: Variant) => median(samples.map((s) => s.perSec[v] / s.perSec.bare));
  const perSec = (v: Variant) => median(samples.map((s) => s.perSec[v]));
  const steadyRatio = (v: Variant) => median(samples.map((s) => s.steadyPerSec[v] / s.steadyPerSec.bare));
  const share = (v: Variant) => median(samples.map((s) => s.collectShare[v]));
  const cpuRatio = (v: Variant) => median(samples.map((s) => s.perCpuSec[v] / s.perCpuSec.bare));
  const sameReturns = samples.every(
    (s) => JSON.stringify(s.returns['threads-1']) === JSON.stringify(s.returns['threads-2']),
  );
  const loads = samples.flatMap((s) => s.load);
  const summary = {
    env,
    numEnvs,
    episodesPerUpdate: episodes,
    updatesPerWindow: updates,
    rounds,
    medianEnvStepsPerSec: Object.fromEntries(VARIANTS.map((v) => [v, perSec(v)])),
    medianRatioVsBare: Object.fromEntries(VARIANTS.map((v) => [v, ratio(v)])),
    medianSteadyRatioVsBare: Object.fromEntries(VARIANTS.map((v) => [v, steadyRatio(v)])),
    medianCriticalPathCpuRatioVsBare: Object.fromEntries(VARIANTS.map((v) => [v, cpuRatio(v)])),
    medianCollectShareOfCriticalPathCpu: Object.fromEntries(VARIANTS.map((v) => [v, share(v)])),
    twoThreadsVsOne: median(samples.map((s) => s.perSec['threads-2'] / s.perSec['threads-1'])),
    sameReturns1And2Threads: sameReturns,
    loadAverage1m: { min: Math.min(...loads), max: Math.max(...loads) },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ bench: 'ppo-threads', machine, ...summary, samples })}\n`);
    return;
  }
  process.stdout.write(
    `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}\n` +
      `config: ${env}, ${numEnvs} copies, PPO defaults, ${episodes} episodes an update, ${updates} updates a window ` +
      `(updates included), ${rounds} rounds after a warm-up, variant order rotated each round; ` +
      `load average (1 min) ${fmt(summary.loadAverage1m.min)}-${fmt(summary.loadAverage1m.max)}\n\n` +
      '| variant | env steps/s (median) | ratio vs bare vector env, wall clock (median of paired rounds) | ' +
      'ratio vs bare, under way (start-up left out) | ' +
      'ratio vs bare, critical-path CPU time (idle-machine estimate) | rollout share of that CPU time |\n' +
      '|---|---|---|---|---|---|\n',
  );
  for (const v of VARIANTS) {
    process.stdout.write(
      `| ${v} | ${Math.round(perSec(v))} | ${fmt(ratio(v))} | ${fmt(steadyRatio(v))} | ${fmt(cpuRatio(v))} | ${Number.isNaN(share(v)) ? '-' : `${fmt(100 * share(v), 0)} %`} |\n`,
    );
  }
  process.stdout.write(
    `\n2 threads / 1 thread: ${fmt(summary.twoThreadsVsOne)}; 1 and 2 threads gave the same returns every round: ${sameReturns}\n` +
      'per round (env steps/s): ' +
      samples
        .map(
          (s) =>
            `r${s.round} load ${fmt(s.load[0], 1)}: ${VARIANTS.map((v) => `${v} ${Math.round(s.perSec[v])}`).join(', ')}`,
        )
        .join('; ') +
      '\n',
  );
}

/** The time limit of the vector env's copies (all alike). */
function envEntryMaxSteps(venv: VectorEnv<unknown>): number {
  return venv.envs[0]!.maxEpisodeSteps;
}
