/**
 * Prints the markdown tables of docs/results.md from eval results:
 *   npx tsx scripts/results-tables.ts ball-nav=runs/ball-nav [cheetah-vel=runs/cheetah-vel ...]
 * Each RUN must hold eval/results.json (written by `terrarium eval --run RUN`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalReport } from '../src/meta/eval/evaluate.js';
import { comparisonTable, resultsTable } from '../src/meta/eval/table.js';

const experiments: Record<string, EvalReport> = {};
for (const arg of process.argv.slice(2)) {
  const [name, run] = arg.split('=');
  if (!name || !run) throw new Error(`expected NAME=RUN_DIR, got ${arg}`);
  experiments[name] = JSON.parse(readFileSync(join(run, 'eval', 'results.json'), 'utf8')) as EvalReport;
}
for (const [name, report] of Object.entries(experiments)) {
  process.stdout.write(`### ${name}\n\n${resultsTable(report)}\n\n`);
}
process.stdout.write(`### norm after one update, beside the MAML paper\n\n${comparisonTable(experiments)}\n`);
