/**
 * `npm run bench -- queue [--tasks 8] [--episodes 4] [--rounds 2] [--jobs 100] [--json]` (needs the built CLI:
 * `npm run build`; starts its own redis-server on a free loopback port).
 *
 * What does the Redis queue cost against piscina's worker threads on one machine?
 * - Ant meta-iterations (N tasks x 1 VPG update, then the Reptile step) on the piscina runner with 2 threads and on
 *   the queue with 1, 2 and 4 `terrarium worker` processes (one job at a time each), in alternating rounds after a
 *   warm-up so drift on a shared machine hits all alike: env steps/s and the ratio to piscina's 2 threads (goal for
 *   2 processes: >= 0.9).
 * - Per-job overhead: tiny sine jobs (1 SGD step) one after another, through the queue with 1 worker process vs on
 *   1 piscina thread vs in this thread; the difference per job is what the queue adds (Redis round trips, base64,
 *   zod on both ends).
 */
import { loadavg } from 'node:os';
import { machineInfo } from '../src/cli/machine-info.js';
import { parseTrainConfig, type RlTrainConfig, type SineTrainConfig } from '../src/meta/config.js';
import { createJobRunner, type JobRunner } from '../src/meta/pool.js';
import { parseQueueUrl } from '../src/meta/queue/connection.js';
import { createQueueRunner } from '../src/meta/queue/queue-runner.js';
import { rlMetaLearner } from '../src/meta/rl-learner.js';
import { sineMetaLearner } from '../src/meta/sine-learner.js';
import { startRedis, startWorker, type WorkerProcess } from '../test/queue/redis-server.js';
import { metaIteration } from './meta.js';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function antConfig(tasks: number, episodes: number): RlTrainConfig {
  return parseTrainConfig({
    env: 'ant',
    iterations: 100,
    metaBatchSize: tasks,
    inner: {
      steps: 1,
      episodesPerUpdate: episodes,
      learner: { algo: 'vpg', alpha: 0.1, baseline: 'linear' },
    },
    policy: { hiddenSizes: [100, 100], activation: 'relu', valueFunction: false },
    backend: 'wasm',
  }) as RlTrainConfig;
}

/** Seconds a job: `count` tiny sine jobs one after another on `runner`. */
async function perJob(runner: JobRunner, count: number, offset: number): Promise<number> {
  const learner = sineMetaLearner(
    parseTrainConfig({
      env: 'sine',
      iterations: 1,
      metaBatchSize: 1,
      hidden: [8],
      inner: { steps: 1, lr: 0.02, points: 10, batchSize: 10 },
    }) as SineTrainConfig,
  );
  const { params } = await learner.init(1);
  const [task] = learner.sampleTasks(1, 1);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await runner.run(
      learner.job({ iteration: offset + i, taskIndex: 0, params, obsNorm: null, task, seed: i }),
    );
  }
  return (performance.now() - started) / 1000 / count;
}

export async function run(args: string[]): Promise<void> {
  const tasks = Number(option(args, 'tasks', '8'));
  const episodes = Number(option(args, 'episodes', '4'));
  const rounds = Number(option(args, 'rounds', '2'));
  const jobs = Number(option(args, 'jobs', '100'));
  const json = args.includes('--json');
  const loadBefore = loadavg();
  const machine = machineInfo();
  const learner = await rlMetaLearner(antConfig(tasks, episodes));

  // One redis-server per worker count, so each runner is served by exactly its own worker processes.
  const counts = [1, 2, 4] as const;
  const servers = await Promise.all(counts.map(() => startRedis()));
  const processes: WorkerProcess[] = [];
  const runners: Record<string, JobRunner> = { piscina2: createJobRunner({ workers: 2 }) };
  try {
    for (const [i, n] of counts.entries()) {
      for (let k = 0; k < n; k++) processes.push(await startWorker(servers[i]!.url));
      runners[`queue${n}`] = await createQueueRunner({
        connection: parseQueueUrl(servers[i]!.url),
        name: `terrarium-bench-${n}`,
      });
    }
    const names = ['piscina2', ...counts.map((n) => `queue${n}`)];
    const samples: Record<string, { seconds: number; envSteps: number }[]> = {};
    for (const name of names) {
      samples[name] = [];
      // Warm-up: every worker thread and process builds its envs and policy. Enough tasks reach all 4 processes.
      await metaIteration(learner, Math.max(tasks, 8), runners[name]!, 0);
    }
    for (let round = 1; round <= rounds; round++) {
      for (const name of names)
        samples[name]!.push(await metaIteration(learner, tasks, runners[name]!, round));
    }
    const rate = (name: string) =>
      mean(samples[name]!.map((s) => s.envSteps)) / mean(samples[name]!.map((s) => s.seconds));
    const scaling = names.map((name) => ({
      runner: name,
      iterationSeconds: mean(samples[name]!.map((s) => s.seconds)),
      envStepsPerIteration: mean(samples[name]!.map((s) => s.envSteps)),
      envStepsPerSecond: rate(name),
      ratioToPiscina2: rate(name) / rate('piscina2'),
    }));

    // Per-job overhead: the queue with 1 worker process vs 1 piscina thread vs this thread.
    const inThread = createJobRunner({ workers: 0 });
    const piscina1 = createJobRunner({ workers: 1 });
    await perJob(piscina1, 5, 0);
    await perJob(runners.queue1!, 5, 0);
    const overhead = {
      jobs,
      inThreadMs: 1000 * (await perJob(inThread, jobs, 1000)),
      piscina1Ms: 1000 * (await perJob(piscina1, jobs, 1000)),
      queue1Ms: 1000 * (await perJob(runners.queue1!, jobs, 1000)),
    };
    await piscina1.close();
    const loadAfter = loadavg();

    if (json) {
      process.stdout.write(`${JSON.stringify({ machine, loadBefore, loadAfter, scaling, overhead })}\n`);
      return;
    }
    process.stdout.write(
      `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}; ` +
        `load average ${loadBefore.map((x) => x.toFixed(1)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(1)).join(' ')} after\n` +
        `config: ant, ${tasks} tasks x 1 VPG update x ${episodes} episodes (+ the final evaluation batch), ` +
        `2x100 ReLU policy, wasm backend, ${rounds} alternating rounds after a warm-up\n\n` +
        '| runner | env steps / iteration | iteration wall time (s) | env steps/s | ratio vs piscina 2 threads |\n' +
        '|---|---|---|---|---|\n',
    );
    for (const s of scaling) {
      const label =
        s.runner === 'piscina2' ? 'piscina, 2 threads' : `queue, ${s.runner.slice(5)} worker process(es)`;
      process.stdout.write(
        `| ${label} | ${Math.round(s.envStepsPerIteration)} | ${s.iterationSeconds.toFixed(2)} | ` +
          `${Math.round(s.envStepsPerSecond)} | ${s.ratioToPiscina2.toFixed(2)} |\n`,
      );
    }
    process.stdout.write(
      `\nper job (${jobs} tiny sine jobs one after another): in this thread ${overhead.inThreadMs.toFixed(2)} ms, ` +
        `1 piscina thread ${overhead.piscina1Ms.toFixed(2)} ms, queue with 1 worker process ${overhead.queue1Ms.toFixed(2)} ms ` +
        `(queue overhead ${(overhead.queue1Ms - overhead.piscina1Ms).toFixed(2)} ms a job over piscina, ` +
        `${(overhead.queue1Ms - overhead.inThreadMs).toFixed(2)} ms over this thread)\n`,
    );
  } finally {
    await Promise.allSettled(Object.values(runners).map((r) => r.close()));
    await Promise.allSettled(processes.map((p) => p.kill('SIGTERM')));
    await Promise.allSettled(servers.map((s) => s.stop()));
    learner.dispose();
  }
}
