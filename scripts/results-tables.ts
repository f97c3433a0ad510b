/**
 * Prints the markdown tables of docs/results.md from eval results:
 *   npx tsx scripts/results-tables.ts ball-nav=runs/bn-reptile-s0+runs/bn-reptile-s1 cheetah-vel=runs/cheetah-vel
 * Each RUN must hold eval/results.json (written by `terrarium eval --run RUN`); runs joined by "+" (training seeds
 * of one config) are pooled into one report (poolReports). A name "ball-nav:metasgd" is compared with the MAML
 * paper's "ball-nav" numbers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EvalReport, poolReports } from '../src/meta/eval/evaluate.js';
import { comparisonTable, differencesTable, resultsTable } from '../src/meta/eval/table.js';

const experiments: Record<string, EvalReport> = {};
for (const arg of process.argv.slice(2)) {
  const [name, runs] = arg.split('=');
  if (!name || !runs) throw new Error(`expected NAME=RUN_DIR[+RUN_DIR...], got ${arg}`);
  const reports = runs
    .split('+')
    .map((run) => JSON.parse(readFileSync(join(run, 'eval', 'results.json'), 'utf8')) as EvalReport);
  experiments[name] = poolReports(reports);
  const perRun = reports.map((r) => r.methods.meta?.mean[1]?.toFixed(1) ?? '-').join(', ');
  process.stdout.write(
    `### ${name} (${reports.length} run(s); meta after 1 update per run: ${perRun})\n\n` +
      `${resultsTable(experiments[name])}\n\n${differencesTable(experiments[name])}\n\n`,
  );
}
process.stdout.write(`### norm after one update, beside the MAML paper\n\n${comparisonTable(experiments)}\n`);
