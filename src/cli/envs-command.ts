import type { Command } from 'commander';
import { listEnvs } from '../envs/registry.js';

export interface EnvRow {
  id: string;
  obsDim: number;
  actDim: number;
  /** Field paths of the env's task that it uses (`goal.position`, `dynamics.friction`, ...). */
  taskParams: string[];
  terrains: string[];
  /** What a partial `--task` is completed from. */
  defaultTask: unknown;
}

export function envRows(): EnvRow[] {
  return listEnvs().map(({ id, obsDim, actDim, taskParams, terrains, defaultTask }) => ({
    id,
    obsDim,
    actDim,
    taskParams,
    terrains,
    defaultTask: defaultTask(),
  }));
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** One line per top-level field (goal, dynamics, terrain) of each env's task. */
function taskFieldLines(): string[] {
  const rows = listEnvs().flatMap((env) => {
    const groups = new Map<string, string[]>();
    for (const path of env.taskParams) {
      const top = path.split('.')[0]!;
      groups.set(top, [...(groups.get(top) ?? []), path]);
    }
    return [...groups.values()].map((paths, i) => [i === 0 ? env.id : '', paths.join(', ')]);
  });
  return table(rows);
}

export function registerEnvsCommand(program: Command): void {
  program
    .command('envs')
    .description('list the environments and the fields of their tasks')
    .option('--json', 'print a JSON array of { id, obsDim, actDim, taskParams, terrains, defaultTask }')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        process.stdout.write(`${JSON.stringify(envRows())}\n`);
        return;
      }
      const header = ['id', 'obs', 'act', 'horizon', 'terrains', 'description'];
      const lines = listEnvs().map((e) => [
        e.id,
        String(e.obsDim),
        String(e.actDim),
        String(e.maxEpisodeSteps),
        e.terrains.join(', '),
        e.description,
      ]);
      const text = [
        ...table([header, ...lines]),
        '',
        'task fields (--task takes any of them; the others keep the default task, see `terrarium envs --json`):',
        ...taskFieldLines(),
      ];
      process.stdout.write(`${text.join('\n')}\n`);
    });
}
