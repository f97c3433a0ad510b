/**
 * Prints the markdown tables of docs/results.md from eval results:
 *   npx tsx scripts/results-tables.ts ball-nav=runs/bn-reptile-s0+runs/bn-reptile-s1 cheetah-vel=runs/cheetah-vel
 * Each RUN must hold eval/results.json (written by `terrarium eval --run RUN`) or be an eval's `--out` directory
 * (holding results.json itself); runs joined by "+" (training seeds of one config) are pooled into one report
 * (poolReports; they must have been evaluated with the same episodes a step and inner learner). A name
 * "ball-nav:metasgd" is compared with the MAML paper's "ball-nav" numbers. "NAME=RUNS@DIR" adds the methods of
 * DIR/results.json that the runs' reports lack (e.g. the oracle, evaluated once with `terrarium eval --baselines
 * oracle --out DIR` on the same tasks and seeds: norm then uses it). A run written "RUN~BASE" takes the methods its
 * report lacks from BASE's eval (a variant evaluated with `--baselines ""` next to the run that evaluated the
 * baselines on the same tasks, seeds and learner; or two evals of one run, each with some of the baselines); several
 * bases: "RUN~BASE1~BASE2".
 * "RUN~BASE#SUFFIX" takes all of BASE's methods, renamed NAME + SUFFIX (another run's inits adapted by its own
 * learner on the same tasks and seeds, e.g. `#-ppo`: "pretrained-ppo", paired with this run's meta-init). Runs
 * pooled with different numbers of eval seeds keep each one's first S seeds, S the smallest. With `--plots DIR` each
 * experiment's (pooled) adaptation curve is also written to DIR/NAME-adaptation.svg. `--oracle-return R` computes
 * norm against an oracle whose k = 0 mean R (same tasks and seeds) is all that is left of its eval. `--gap FROM,TO`
 * (method names, e.g. `meta-dr-pooled,meta-oracle`) adds, per experiment, the share of the gap from FROM to TO's
 * return before any update that the meta-init closes after k updates: (R_meta,k - R_FROM,k) / (R_TO,0 - R_FROM,k).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envEntry } from '../src/envs/registry.js';
import {
  assertSameEvalProtocol,
  type EvalReport,
  poolReports,
  type RecordedProtocol,
  reportFromReturns,
} from '../src/meta/eval/evaluate.js';
import { adaptationPlot, renderSvg } from '../src/meta/eval/plots.js';
import { comparisonTable } from '../src/meta/eval/table.js';
import { resultsMarkdown } from '../src/meta/eval/task-groups.js';

const experiments: Record<string, EvalReport> = {};
const args = process.argv.slice(2);
const plotsAt = args.indexOf('--plots');
const plotDir = plotsAt >= 0 ? args.splice(plotsAt, 2)[1] : undefined;
const oracleAt = args.indexOf('--oracle-return');
const oracleReturn = oracleAt >= 0 ? Number(args.splice(oracleAt, 2)[1]) : undefined;
if (oracleReturn !== undefined && !Number.isFinite(oracleReturn))
  throw new Error('--oracle-return: expected a number');
const gapAt = args.indexOf('--gap');
const gap = gapAt >= 0 ? args.splice(gapAt, 2)[1]!.split(',') : undefined;
if (gap && gap.length !== 2) throw new Error('--gap: expected FROM,TO (two method names)');
for (const arg of args) {
  const [name, spec] = arg.split('=');
  if (!name || !spec) throw new Error(`expected NAME=RUN_DIR[+RUN_DIR...][@EVAL_DIR], got ${arg}`);
  const [runs, extraDir] = spec.split('@') as [string, string | undefined];
  // Evals of legged envs written before reward presets were measured with the "gymnasium" reward.
  const read = (dir: string) => {
    const report = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as EvalReport;
    if (!report.reward && (report.env === 'ant' || report.env === 'cheetah')) report.reward = 'gymnasium';
    return report;
  };
  // A run's eval: RUN/eval, or RUN itself when it is an eval's --out directory.
  const readRun = (dir: string) => read(existsSync(join(dir, 'results.json')) ? dir : join(dir, 'eval'));
  const extra = extraDir ? read(extraDir) : null;
  // Methods evaluated to a smaller K (the oracle: k = 0 only, which is all norm needs) get NaN for the other k.
  const withMethodsOf = (report: EvalReport, from: EvalReport, where: string, suffix = '') => {
    const same =
      from.env === report.env && JSON.stringify(from.heldOutTasks) === JSON.stringify(report.heldOutTasks);
    if (!same || from.seeds !== report.seeds || from.k > report.k) {
      throw new Error(`${where}: not the same env, held-out tasks and eval seeds, or a larger k`);
    }
    const methods = { ...report.methods };
    for (const [method, result] of Object.entries(from.methods)) {
      const pad = (r: number[]) => [...r, ...Array.from({ length: report.k - from.k }, () => Number.NaN)];
      methods[method + suffix] ??= { ...result, returns: result.returns.map((perSeed) => perSeed.map(pad)) };
    }
    return reportFromReturns(report, methods);
  };
  const runEvals = runs.split('+').map((token) => {
    const [run, ...baseSpecs] = token.split('~') as [string, ...string[]];
    return { run, baseSpecs, report: readRun(run) };
  });
  assertSameEvalProtocol(runEvals.map(({ run, report }) => ({ name: run, ...(report as RecordedProtocol) })));
  let reports = runEvals.map(({ report, baseSpecs }) =>
    baseSpecs.reduce((merged, baseSpec) => {
      const [base, suffix] = baseSpec.split('#') as [string, string | undefined];
      return withMethodsOf(merged, readRun(base), base, suffix);
    }, report),
  );
  const seeds = Math.min(...reports.map((r) => r.seeds));
  reports = reports.map((r) => (r.seeds === seeds ? r : firstSeeds(r, seeds)));
  if (extra) reports = reports.map((r) => withMethodsOf(r, firstSeeds(extra, seeds), extraDir!));
  const pooled = poolReports(reports);
  experiments[name] =
    oracleReturn === undefined ? pooled : reportFromReturns(pooled, pooled.methods, oracleReturn);
  const perRun = reports.map((r) => r.methods.meta?.mean[1]?.toFixed(1) ?? '-').join(', ');
  // Task groups (crippled legs, harder parameters) where the first run's config says what they are:
  // RUN/config.json, or for an eval directory (RUN/eval-harder) its run's.
  const configFile = [
    join(runEvals[0]!.run, 'config.json'),
    join(runEvals[0]!.run, '..', 'config.json'),
  ].find((file) => existsSync(file));
  const config = configFile ? JSON.parse(readFileSync(configFile, 'utf8')) : null;
  const distribution = config && envEntry(config.env).distribution(config.tasks);
  const { markdown } = resultsMarkdown(experiments[name], (task) => distribution?.groupsOf(task) ?? []);
  process.stdout.write(
    `### ${name} (${reports.length} run(s)${pooled.reward ? `, reward ${pooled.reward}` : ''}; ` +
      `meta after 1 update per run: ${perRun})\n\n${markdown}\n\n`,
  );
  if (gap) process.stdout.write(gapClosedTable(experiments[name], gap[0]!, gap[1]!));
}
if (plotDir) {
  mkdirSync(plotDir, { recursive: true });
  for (const [name, report] of Object.entries(experiments)) {
    const file = join(plotDir, `${name.replace(':', '-')}-adaptation.svg`);
    const title = `${name}: return after k inner updates, ${report.tasks} held-out tasks (95 % CI)`;
    writeFileSync(file, await renderSvg(adaptationPlot(report, title)));
  }
}
process.stdout.write(`### norm after one update, beside the MAML paper\n\n${comparisonTable(experiments)}\n`);

/** The report restricted to its first `seeds` eval seeds. */
function firstSeeds(report: EvalReport, seeds: number): EvalReport {
  const methods = Object.fromEntries(
    Object.entries(report.methods).map(([name, m]) => [
      name,
      { ...m, returns: m.returns.map((perSeed) => perSeed.slice(0, seeds)) },
    ]),
  );
  return reportFromReturns(report, methods);
}

/** The share of the gap from method `from` (after k updates) to `to` (before any) that the meta-init closes. */
function gapClosedTable(report: EvalReport, from: string, to: string): string {
  const [meta, start, end] = ['meta', from, to].map((m) => {
    const found = report.methods[m];
    if (!found) throw new Error(`--gap: no method "${m}" (have ${Object.keys(report.methods).join(', ')})`);
    return found.mean;
  }) as [number[], number[], number[]];
  const rows = meta.map((r, k) => {
    const gapSize = end[0]! - start[k]!;
    const share = gapSize > 0 ? ((r - start[k]!) / gapSize).toFixed(2) : `no gap (${to} not above ${from})`;
    return `| ${k} | ${r.toFixed(1)} | ${start[k]!.toFixed(1)} | ${end[0]!.toFixed(1)} | ${share} |`;
  });
  return (
    `gap closed: (meta_k - ${from}_k) / (${to}_0 - ${from}_k)\n\n| k | meta | ${from} | ${to}, k = 0 | closed |\n` +
    `|---|---|---|---|---|\n${rows.join('\n')}\n\n`
  );
}
