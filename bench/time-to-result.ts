/**
 * `npm run bench -- time-to-result [--config configs/ball-nav/meta.json] [--oracle-run DIR] [--target 0.8]
 *   [--every E] [--tasks N] [--seeds S] [--out DIR] [--max-iterations M] [--json]`
 *
 * What a user waits for: meta-train an experiment's best recipe and report the training wall time and env steps
 * until its meta-init's norm after ONE inner update on held-out tasks reaches the target (time-to-result-measure.ts
 * says what is timed and what is not). The oracle is `--oracle-run DIR` (a finished run of the experiment's
 * oracle.json); without it the oracle.json beside the config is trained first into OUT/oracle, timed apart.
 * Long (minutes to hours), so `npm run bench` runs it only when named. Progress on stderr; with --json one JSON
 * object on stdout. docs/time-to-result.md has the commands and the goals.
 */
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { readConfigFile } from '../src/cli/train-command.js';
import { parseWith, TerrariumError } from '../src/core/errors.js';
import { isSineConfig, type RlTrainConfig } from '../src/meta/config.js';
import {
  measureTimeToResult,
  type ProgressEvent,
  type TimeToResultReport,
} from './time-to-result-measure.js';

const DEFAULT_CONFIG = 'configs/ball-nav/meta.json';

/** A flag's text as a number, checked by `check` (an error names the flag and the text given). */
const numeric = (check: z.ZodType<number, number>) =>
  z
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)), { message: 'a finite number' })
    .transform(Number)
    .pipe(check);
const int = (min: number) =>
  numeric(z.number().refine((n) => Number.isInteger(n) && n >= min, { message: `an integer >= ${min}` }));

const flagsSchema = z
  .object({
    '--config': z.string().min(1, 'a path').default(DEFAULT_CONFIG),
    '--oracle-run': z.string().min(1, 'a path').optional(),
    '--target': numeric(z.number()).default(0.8),
    '--every': int(1).default(5),
    '--tasks': int(1).default(20),
    '--seeds': int(1).default(2),
    '--out': z.string().min(1, 'a path').optional(),
    '--max-iterations': int(1).optional(),
    '--json': z.boolean().default(false),
  })
  .strict();

const STRING_FLAGS = ['config', 'oracle-run', 'target', 'every', 'tasks', 'seeds', 'out', 'max-iterations'];

export function parseFlags(args: string[]) {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: 'string' as const }])),
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new TerrariumError(
      'time-to-result',
      args.join(' '),
      `flags among --${[...STRING_FLAGS, 'json'].join(', --')}`,
      (error as Error).message,
    );
  }
  const named = Object.fromEntries(Object.entries(values).map(([k, v]) => [`--${k}`, v]));
  return parseWith(flagsSchema, named, '');
}

/** runs/time-to-result/<config name>-<stamp>, as `terrarium train` names its runs. */
function defaultOut(configPath: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const experiment = basename(dirname(configPath));
  return join('runs', 'time-to-result', `${experiment}-${basename(configPath, '.json')}-${stamp}`);
}

/** Progress on stderr: a cli-progress bar over iterations on a TTY, else a line per eval and per phase. */
function progress() {
  let bar: cliProgress.SingleBar | null = null;
  let lastPhase = '';
  const line = (text: string) => process.stderr.write(`time-to-result: ${text}\n`);
  return {
    update(event: ProgressEvent) {
      if (event.phase === 'point') {
        const p = event.point;
        const text =
          `iteration ${p.iteration}: norm ${p.norm.toFixed(3)} [${p.normCi95.map((x) => x.toFixed(3)).join(', ')}] ` +
          `after ${p.trainingSeconds.toFixed(1)} s of training, ${p.envSteps} env steps (eval ${p.evalSeconds.toFixed(1)} s)`;
        if (bar) bar.update(p.iteration, { phase: 'train', norm: p.norm.toFixed(3) });
        else line(text);
        return;
      }
      if (!process.stderr.isTTY) {
        if (event.phase !== lastPhase && event.phase !== 'train') line(`${event.phase}...`);
        lastPhase = event.phase;
        return;
      }
      if (event.phase === 'train' || event.phase === 'oracle') {
        if (!bar || lastPhase !== event.phase) {
          bar?.stop();
          bar = new cliProgress.SingleBar(
            {
              format: `${event.phase === 'oracle' ? 'oracle' : 'meta'} [{bar}] iter {value}/{total} | {phase} | norm {norm} | ETA {eta_formatted}`,
              hideCursor: true,
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.of, 0, { phase: event.phase, norm: '-' });
        }
        bar.update(event.iteration, { phase: event.phase });
      } else {
        bar?.update({ phase: `${event.phase} ${event.done}/${event.of}` });
      }
      lastPhase = event.phase === 'eval' ? 'train' : event.phase;
    },
    stop: () => bar?.stop(),
  };
}

function printReport(r: TimeToResultReport, configPath: string, oracleNote: string): void {
  const m = r.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const out = [
    `machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, commit ${m.commit}; ` +
      `load average ${load(r.loadAverage.start)} at start, ${load(r.loadAverage.end)} at end`,
    `config: ${configPath} (${r.env}); target norm ${r.target} after one update on ${r.tasks} held-out tasks x ` +
      `${r.seeds} seeds, eval every ${r.every} iterations, at most ${r.maxIterations} iterations`,
    `references: R_random0 ${r.references.random0.toFixed(2)}, R_oracle0 ${r.references.oracle0.toFixed(2)} ` +
      `(oracle ${r.references.oracleRun}${oracleNote})`,
    '',
    '| iteration | env steps | training s | norm after 1 update | 95 % CI | eval s | load (1 min) |',
    '|---|---|---|---|---|---|---|',
    ...r.curve.map(
      (p) =>
        `| ${p.iteration} | ${p.envSteps} | ${p.trainingSeconds.toFixed(1)} | ${p.norm.toFixed(3)} | ` +
        `[${p.normCi95[0].toFixed(3)}, ${p.normCi95[1].toFixed(3)}] | ${p.evalSeconds.toFixed(1)} | ${p.loadAverage1.toFixed(2)} |`,
    ),
    '',
    r.reached
      ? `time to result: norm ${r.target} reached at iteration ${r.iteration} after ${r.trainingSeconds!.toFixed(1)} s ` +
        `of meta-training and ${r.envSteps} env steps`
      : `time to result: not reached (best norm ${r.bestNorm?.toFixed(3) ?? '-'} at iteration ${r.bestIteration ?? '-'})`,
    `not counted: evals ${r.seconds.eval.toFixed(1)} s, references ${r.seconds.references.toFixed(1)} s, ` +
      `restarts after pauses ${r.seconds.restarts.toFixed(1)} s; start-up counted ${r.seconds.startup.toFixed(1)} s; ` +
      `wall ${r.seconds.wall.toFixed(1)} s; run dir ${r.runDir}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

export async function run(args: string[]): Promise<void> {
  const bar = progress();
  try {
    const flags = parseFlags(args);
    const config = await readConfigFile(flags['--config']);
    if (isSineConfig(config)) {
      throw new TerrariumError(
        '--config',
        flags['--config'],
        'an RL config (the sine toy has no oracle norm)',
      );
    }
    const out = flags['--out'] ?? defaultOut(flags['--config']);
    const oraclePath = join(dirname(flags['--config']), 'oracle.json');
    const oracle = flags['--oracle-run']
      ? { run: flags['--oracle-run'] }
      : { config: await readConfigFile(oraclePath) };
    const oracleNote = flags['--oracle-run'] ? '' : `, trained here first from ${oraclePath}`;
    const report = await measureTimeToResult({
      config: config as RlTrainConfig,
      oracle,
      target: flags['--target'],
      every: flags['--every'],
      tasks: flags['--tasks'],
      seeds: flags['--seeds'],
      outDir: out,
      maxIterations: flags['--max-iterations'],
      onProgress: (event) => bar.update(event),
    });
    bar.stop();
    if (flags['--json'])
      process.stdout.write(`${JSON.stringify({ config: flags['--config'], ...report })}\n`);
    else printReport(report, flags['--config'], oracleNote);
  } catch (error) {
    bar.stop();
    if (!(error instanceof TerrariumError)) throw error;
    process.stderr.write(`bench time-to-result: ${error.message}\n`);
    process.exitCode = 2;
  }
}
