import type { Command } from 'commander';
import { benchEnvs, robotIds } from '../envs/bench-envs.js';
import { loadRobotFile } from '../envs/robot-file.js';
import { machineInfo } from './machine-info.js';
import { numberOption, pathOption } from './options.js';

export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('benchmarks (see also `npm run bench`)');
  bench
    .command('envs')
    .description(
      'env steps/s of each env against a bare Rapier loop of the same world, and a 16-copy vector env',
    )
    .option('--seconds <s>', 'measuring time per env', numberOption('--seconds', 0.5), 6)
    .option('--json', 'print { envs: [{ id, envStepsPerSec, bareStepsPerSec, ratio, vectorStepsPerSec }] }')
    .option(
      '--robot <file>',
      'bench the legged envs with this robot spec in place of their own (see docs/robots.md)',
      pathOption('--robot'),
    )
    .action(async (options: { seconds: number; json?: boolean; robot?: string }) => {
      const robot = options.robot === undefined ? undefined : loadRobotFile(options.robot);
      const machine = machineInfo();
      if (!options.json) {
        process.stdout.write(
          `bench envs: ${options.seconds} s per env, physics dt 0.01 s x 5 substeps, random actions` +
            `${robot ? `, robot ${robot.name} (${options.robot})` : ''}\n` +
            `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, commit ${machine.commit}\n`,
        );
      }
      const envs = await benchEnvs(options.seconds, robotIds(robot), robot);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ envs, machine, seconds: options.seconds })}\n`);
        return;
      }
      const header =
        '| env | env steps/s | bare Rapier steps/s | ratio | physics steps/s | vector (N=16) env steps/s |';
      const rows = envs.map(
        (r) =>
          `| ${r.id}${r.robot ? ` (${r.robot})` : ''} | ${r.envStepsPerSec} | ${r.bareStepsPerSec} | ${r.ratio.toFixed(2)} | ${r.physicsStepsPerSec} | ${r.vectorStepsPerSec} |`,
      );
      process.stdout.write(`${[header, '|---|---|---|---|---|---|', ...rows].join('\n')}\n`);
    });
}
