import type { Command } from 'commander';
import { listEnvs } from '../envs/registry.js';

export interface EnvRow {
  id: string;
  obsDim: number;
  actDim: number;
  taskParams: string[];
  terrains: string[];
}

export function envRows(): EnvRow[] {
  return listEnvs().map(({ id, obsDim, actDim, taskParams, terrains }) => ({
    id,
    obsDim,
    actDim,
    taskParams,
    terrains,
  }));
}

export function registerEnvsCommand(program: Command): void {
  program
    .command('envs')
    .description('list the environments')
    .option('--json', 'print a JSON array of { id, obsDim, actDim, taskParams, terrains }')
    .action((options: { json?: boolean }) => {
      const rows = envRows();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      const header = ['id', 'obs', 'act', 'horizon', 'task parameters', 'terrains'];
      const lines = listEnvs().map((e) => [
        e.id,
        String(e.obsDim),
        String(e.actDim),
        String(e.maxEpisodeSteps),
        e.taskParams.join(', '),
        e.terrains.join(', '),
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
      const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
      process.stdout.write(`${[format(header), ...lines.map(format)].join('\n')}\n`);
    });
}
