/**
 * `npm run bench -- eval [--run models/ant-dir] [--tasks 8] [--k 1] [--rounds 2] [--json]`
 *
 * Do eval's worker threads pay off? The run's meta-init and the random init adapted on its first N held-out tasks,
 * 1 eval seed, k updates, on 1 worker thread (this thread) and on 2, in alternating rounds (1, 2, 1, 2, ...) so that
 * drift on a shared machine hits both alike. Reports the wall time of each and the ratio 1 thread / 2 threads, and
 * checks that both gave the same numbers.
 */
import { machineInfo } from '../src/cli/machine-info.js';
import { mean } from '../src/core/summary.js';
import { loadLatestCheckpoint } from '../src/meta/checkpoint.js';
import type { RlTrainConfig } from '../src/meta/config.js';
import { evaluate } from '../src/meta/eval/evaluate.js';
import { metaMethod, randomMethod } from '../src/meta/eval/methods.js';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

export async function run(args: string[]): Promise<void> {
  const runDir = option(args, 'run', 'models/ant-dir');
  const tasks = Number(option(args, 'tasks', '8'));
  const k = Number(option(args, 'k', '1'));
  const rounds = Number(option(args, 'rounds', '2'));
  const loaded = await loadLatestCheckpoint(runDir);
  const config = loaded.config as RlTrainConfig;
  const methods = [metaMethod(loaded), randomMethod(config)];
  const seconds: Record<1 | 2, number[]> = { 1: [], 2: [] };
  const numbers: Record<1 | 2, string> = { 1: '', 2: '' };
  for (let round = 0; round < rounds; round++) {
    for (const workers of [1, 2] as const) {
      const started = performance.now();
      const report = await evaluate({ config, methods, tasks, k, seeds: 1, workers });
      seconds[workers].push((performance.now() - started) / 1000);
      numbers[workers] = JSON.stringify(Object.values(report.methods).map((m) => m.returns));
    }
  }
  const result = {
    machine: machineInfo(),
    run: runDir,
    tasks,
    k,
    rounds,
    seconds: { one: mean(seconds[1]), two: mean(seconds[2]) },
    ratio: mean(seconds[1]) / mean(seconds[2]),
    sameNumbers: numbers[1] === numbers[2],
  };
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const { machine } = result;
  process.stdout.write(
    `machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, commit ${machine.commit}\n` +
      `${runDir}: meta-init and random init, ${tasks} held-out tasks x 1 seed, k = ${k}, ${rounds} alternating rounds\n\n` +
      '| eval threads | wall time (s) | speed-up |\n|---|---|---|\n' +
      `| 1 | ${result.seconds.one.toFixed(1)} | 1.00 |\n` +
      `| 2 | ${result.seconds.two.toFixed(1)} | ${result.ratio.toFixed(2)} |\n\n` +
      `same numbers on 1 and 2 threads: ${result.sameNumbers ? 'yes' : 'NO'}\n`,
  );
}
