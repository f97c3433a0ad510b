import type { Command } from 'commander';
import { benchEnvs } from '../envs/bench-envs.js';
import { machineInfo } from './machine-info.js';
import { numberOption } from './options.js';

export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('benchmarks (see also `npm run bench`)');
  bench
    .command('envs')
    .description(
      'env steps/s of each env against a bare Rapier loop of the same world, and a 16-copy vector env',
    )
    .option('--seconds <s>', 'measuring time per env', numberOption('--seconds', 0.5), 6)
    .option('--json', 'print { envs: [{ id, envStepsPerSec, bareStepsPerSec, ratio, vectorStepsPerSec }] }')
    .action(async (options: { seconds: number; json?: boolean }) => {
      const machine = machineInfo();
      if (!options.json) {
        process.stdout.write(
          `bench envs: ${options.seconds} s per env, physics dt 0.01 s x 5 substeps, random actions\n` +
            `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, commit ${machine.commit}\n`,
        );
      }
      const envs = await benchEnvs(options.seconds);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ envs, machine, seconds: options.seconds })}\n`);
        return;
      }
      const header =
        '| env | env steps/s | bare Rapier steps/s | ratio | physics steps/s | vector (N=16) env steps/s |';
      const rows = envs.map(
        (r) =>
          `| ${r.id} | ${r.envStepsPerSec} | ${r.bareStepsPerSec} | ${r.ratio.toFixed(2)} | ${r.physicsStepsPerSec} | ${r.vectorStepsPerSec} |`,
      );
      process.stdout.write(`${[header, '|---|---|---|---|---|---|', ...rows].join('\n')}\n`);
    });
}
