/**
 * `npm run bench -- meta [--envs ball-nav,ant] [--tasks 4] [--episodes 20] [--rounds 3] [--json]`
 *
 * What does a meta-iteration cost, and do worker threads pay off?
 * - For each env: one meta-iteration (N tasks adapted with 1 VPG update, then the Reptile step) on 1 worker thread
 *   and on 2, measured in alternating rounds (1, 2, 1, 2, ...) after a warm-up, so drift on a shared machine hits
 *   both alike. Reports env steps/s, iteration wall time and the ratio 2 workers / 1 worker (goal: >= 1.8 on 2
 *   cores).
 * - Live display overhead (ball-nav, 1 worker thread, display in the main thread as with --view): iteration time
 *   with nobody watching vs with the frame stream subscribed at speed 8 (the viewer's maximum). Unwatched, the
 *   display stream is never subscribed, so it builds no env and runs no step: its cost is zero by construction.
 */
import { machineInfo } from '../src/cli/machine-info.js';
import { deriveSeed } from '../src/core/rng.js';
import { mean } from '../src/core/summary.js';
import { parseTrainConfig, type RlTrainConfig } from '../src/meta/config.js';
import type { MetaLearner } from '../src/meta/meta-learner.js';
import { createJobRunner, type JobRunner } from '../src/meta/pool.js';
import { reptileStep } from '../src/meta/reptile.js';
import { rlMetaLearner } from '../src/meta/rl-learner.js';
import { createTrainer } from '../src/meta/trainer.js';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

function benchConfig(env: string, tasks: number, episodes: number, workers: number): RlTrainConfig {
  return parseTrainConfig({
    env,
    iterations: 100,
    metaBatchSize: tasks,
    inner: {
      steps: 1,
      episodesPerUpdate: episodes,
      learner: { algo: 'vpg', alpha: 0.1, baseline: 'linear' },
    },
    policy: { hiddenSizes: [100, 100], activation: 'relu', valueFunction: false },
    workers,
  }) as RlTrainConfig;
}

/** One meta-iteration outside the trainer (no disk): adapt `tasks` tasks on the runner, then the Reptile step. */
export async function metaIteration(
  learner: MetaLearner,
  tasks: number,
  runner: JobRunner,
  iteration: number,
) {
  const { params, obsNorm } = await learner.init(1);
  const sampled = learner.sampleTasks(tasks, deriveSeed(7, iteration));
  const started = performance.now();
  const results = await Promise.all(
    sampled.map((task, taskIndex) =>
      runner.run(
        learner.job({
          iteration,
          taskIndex,
          params,
          obsNorm,
          task,
          seed: deriveSeed(3, iteration, taskIndex),
        }),
      ),
    ),
  );
  reptileStep(
    params,
    results.map((r) => r.params),
    0.5,
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, envSteps: results.reduce((sum, r) => sum + r.stats.envSteps, 0) };
}

async function workerScaling(env: string, tasks: number, episodes: number, rounds: number) {
  const runners = { 1: createJobRunner({ workers: 1 }), 2: createJobRunner({ workers: 2 }) };
  const samples: Record<1 | 2, { seconds: number; envSteps: number }[]> = { 1: [], 2: [] };
  try {
    for (const w of [1, 2] as const)
      await metaIteration(await rlMetaLearner(benchConfig(env, tasks, episodes, w)), tasks, runners[w], 0);
    for (let round = 1; round <= rounds; round++) {
      for (const w of [1, 2] as const) {
        samples[w].push(
          await metaIteration(
            await rlMetaLearner(benchConfig(env, tasks, episodes, w)),
            tasks,
            runners[w],
            round,
          ),
        );
      }
    }
  } finally {
    await runners[1].close();
    await runners[2].close();
  }
  const summary = (w: 1 | 2) => {
    const seconds = mean(samples[w].map((s) => s.seconds));
    const envSteps = mean(samples[w].map((s) => s.envSteps));
    return {
      workers: w,
      iterationSeconds: seconds,
      envStepsPerSecond: envSteps / seconds,
      envStepsPerIteration: envSteps,
    };
  };
  const one = summary(1);
  const two = summary(2);
  return {
    env,
    tasks,
    episodesPerUpdate: episodes,
    rounds,
    one,
    two,
    ratio: two.envStepsPerSecond / one.envStepsPerSecond,
  };
}

async function displayOverhead(rounds: number) {
  const config = parseTrainConfig({
    env: 'ball-nav',
    iterations: 2 * rounds + 1,
    metaBatchSize: 2,
    inner: { steps: 1, episodesPerUpdate: 10, learner: { algo: 'vpg', alpha: 0.1, baseline: 'linear' } },
    policy: { hiddenSizes: [100, 100], activation: 'relu', valueFunction: false },
    checkpointEvery: 1000,
    // As with --view: training on a worker thread, the display in the main thread.
    workers: 1,
  });
  const dir = `${process.env.TMPDIR ?? '/tmp'}/terrarium-bench-meta-${process.pid}`;
  const trainer = await createTrainer({ config, outDir: dir });
  const times: { watched: number[]; unwatched: number[] } = { watched: [], unwatched: [] };
  let subscription: { unsubscribe(): void } | null = null;
  let previous = 0;
  trainer.control({ type: 'speed', value: 8 });
  trainer.streams.metrics$.subscribe((m) => {
    // Event wall time is cumulative; iteration 0 is a warm-up.
    const seconds = m.wallSeconds - previous;
    previous = m.wallSeconds;
    if (m.iteration > 0) (subscription ? times.watched : times.unwatched).push(seconds);
    // Alternate watched and unwatched iterations (display at speed 8, the viewer's maximum).
    if (subscription) {
      subscription.unsubscribe();
      subscription = null;
    } else {
      subscription = trainer.streams.frames$.subscribe(() => {});
    }
  });
  await trainer.run();
  // Stop the display if the last iteration left it watched.
  (subscription as { unsubscribe(): void } | null)?.unsubscribe();
  const unwatched = mean(times.unwatched);
  const watched = mean(times.watched);
  return { unwatchedSeconds: unwatched, watchedSeconds: watched, watchedOverhead: watched / unwatched - 1 };
}

export async function run(args: string[]): Promise<void> {
  const envs = option(args, 'envs', 'ball-nav,ant').split(',');
  const tasks = Number(option(args, 'tasks', '4'));
  const episodes = Number(option(args, 'episodes', '20'));
  const rounds = Number(option(args, 'rounds', '3'));
  const json = args.includes('--json');
  const machine = machineInfo();
  const scaling = [];
  for (const env of envs) scaling.push(await workerScaling(env, tasks, episodes, rounds));
  const display = await displayOverhead(rounds);
  if (json) {
    process.stdout.write(`${JSON.stringify({ machine, scaling, display })}\n`);
    return;
  }
  process.stdout.write(
    `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}\n` +
      `config: ${tasks} tasks x 1 VPG update x ${episodes} episodes (+ the final evaluation batch), ` +
      `2x100 ReLU policy, ${rounds} alternating rounds after a warm-up\n\n` +
      '| env | workers | env steps / iteration | iteration wall time (s) | env steps/s | ratio vs 1 worker |\n' +
      '|---|---|---|---|---|---|\n',
  );
  for (const s of scaling) {
    for (const r of [s.one, s.two]) {
      process.stdout.write(
        `| ${s.env} | ${r.workers} | ${Math.round(r.envStepsPerIteration)} | ${r.iterationSeconds.toFixed(2)} | ` +
          `${Math.round(r.envStepsPerSecond)} | ${r.workers === 1 ? '1.00' : s.ratio.toFixed(2)} |\n`,
      );
    }
  }
  process.stdout.write(
    `\nlive display (ball-nav, 1 worker, ${rounds} rounds): iteration ${display.unwatchedSeconds.toFixed(3)} s ` +
      `unwatched vs ${display.watchedSeconds.toFixed(3)} s watched (${(100 * display.watchedOverhead).toFixed(1)} % ` +
      'overhead while watched; unwatched the display stream is not subscribed and simulates nothing)\n',
  );
}
