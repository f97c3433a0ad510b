/**
 * The evaluation runner of `terrarium eval`. For each method (an init), each of the first N tasks of the env's
 * held-out test split (or of its harder pool: `split` "harder") and each evaluation seed s in 0..S-1: adapt a copy of the init with the run's own inner
 * learner and hyperparameters (inner.learner, inner.episodesPerUpdate, inner.numEnvs, maxEpisodeSteps) for K
 * updates, each from fresh rollouts, and record the mean episode return before the first update and after each one.
 *
 * The rollout seed of (task i, seed s) is deriveSeed(EVAL_SEED, s, i), the same for every method (common random
 * numbers: the methods are compared on the same episodes' randomness), and never a seed the trainer uses. Adaptation
 * runs in this thread, one job after another, or with `workers` a task a job on worker threads (task-jobs.ts): a
 * fixed seed gives identical numbers either way.
 *
 * Statistics (stats.ts): per method and k, a task's value is its mean over the S seeds; `mean` is the mean over the
 * N tasks and `ci95` Student's t interval over them; `norm` is (R_k - R_random0) / (R_oracle0 - R_random0) with
 * R_random0 the random init's mean before any update and R_oracle0 the oracle's (null without both).
 */
import { type BackendName, initBackend } from '../../agents/backend.js';
import { TerrariumError } from '../../core/errors.js';
import { envEntry } from '../../envs/registry.js';
import type { RlTrainConfig } from '../config.js';
import type { EvalMethod } from './methods.js';
import { type Interval, mean, normalizedScore, tInterval95 } from './stats.js';
import { taskRunner } from './task-jobs.js';

export { adaptRunner, EVAL_SEED } from './task-jobs.js';

export const CI_METHOD =
  "Student's t 95 % interval over the held-out tasks (each task's value: its mean over the eval seeds)";

/** Which held-out tasks: the test split, or the harder pool of the distribution's `harder` ranges. */
export type EvalSplit = 'test' | 'harder';
export const EVAL_SPLITS: readonly EvalSplit[] = ['test', 'harder'];

export interface EvalOptions {
  /** The run's train config: env, tasks, inner learner, policy. */
  config: RlTrainConfig;
  methods: EvalMethod[];
  /** Held-out tasks (the first N of the split). */
  tasks: number;
  /** The split the held-out tasks come from (default "test"). */
  split?: EvalSplit;
  /** Inner updates K (returns are recorded for k = 0..K). */
  k: number;
  /** Evaluation seeds S. */
  seeds: number;
  /** Called after each adaptation job. */
  onProgress?: (done: number, total: number, method: string) => void;
  /** Worker threads to spread each method's tasks over (default 1: this thread); the numbers are the same. */
  workers?: number;
}

export interface MethodResult {
  mean: number[];
  ci95: Interval[];
  norm: (number | null)[];
  /** returns[task][seed][k]. */
  returns: number[][][];
  /** Legged envs: mean speed (m/s along the task's direction, info.speed) per k, mean over tasks of seed means. */
  meanSpeed?: number[];
  /** speeds[task][seed][k], as returns. */
  speeds?: number[][][];
  envSteps: number;
  wallSeconds: number;
}

export interface EvalReport {
  env: string;
  /** The split of the held-out tasks; evals written before splits lack it: "test". */
  split?: EvalSplit;
  /** Reward preset of a legged env (reward-presets.ts); evals written before presets lack it: "gymnasium". */
  reward?: string;
  tasks: number;
  seeds: number;
  k: number;
  methods: Record<string, MethodResult>;
  ci: string;
  /** The references of `norm`: the random init's and the oracle's mean return before any update. */
  normReference: { random0: number | null; oracle0: number | null };
  /**
   * meta minus each baseline, paired on (task, seed) (the same rollout seeds): per k the mean difference and its t
   * interval over tasks. A sharper test than comparing two methods' separate intervals.
   */
  differences: Record<string, { mean: number[]; ci95: Interval[] }>;
  /** The held-out tasks, verbatim (the first N of the split), so any evaluation episode can be replayed. */
  heldOutTasks: unknown[];
}

/** The report as `terrarium eval --json` prints it. */
export function publicReport(report: EvalReport) {
  const methods = Object.fromEntries(
    Object.entries(report.methods).map(([name, m]) => [
      name,
      { mean: m.mean, ci95: m.ci95, norm: m.norm, ...(m.meanSpeed ? { meanSpeed: m.meanSpeed } : {}) },
    ]),
  );
  const { env, reward, tasks, seeds, k } = report;
  // The harder split is named; the test split's output is what it was before splits existed.
  const split = report.split === 'harder' ? { split: report.split } : {};
  return { env, ...split, ...(reward ? { reward } : {}), tasks, seeds, k, methods };
}

/** "40 held-out tasks", or "40 harder held-out tasks" for the harder split, as tables and plots name them. */
export function heldOutLabel(report: Pick<EvalReport, 'tasks' | 'split'>): string {
  return `${report.tasks} ${report.split === 'harder' ? 'harder ' : ''}held-out tasks`;
}

/** The held-out tasks eval uses: the first n of the env's test split or harder pool (never a training task). */
export function evalTasks(config: RlTrainConfig, n: number, split: EvalSplit = 'test'): unknown[] {
  const distribution = envEntry(config.env).distribution(config.tasks, config.robot);
  // Without a harder pool, harderTasks names --split before any count is checked.
  if (split === 'harder' && distribution.harderSize === 0) return distribution.harderTasks(n);
  const size = split === 'harder' ? distribution.harderSize : distribution.testSize;
  if (!Number.isInteger(n) || n < 1 || n > size) {
    throw new TerrariumError('--tasks', n, `an integer in [1, ${size}] (the ${split} split's size)`);
  }
  return split === 'harder' ? distribution.harderTasks(n) : distribution.testTasks(n);
}

export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  const { config, methods, k, seeds } = options;
  if (!Number.isInteger(k) || k < 0) throw new TerrariumError('--k', k, 'an integer >= 0');
  if (!Number.isInteger(seeds) || seeds < 1) throw new TerrariumError('--seeds', seeds, 'an integer >= 1');
  await initBackend(config.backend as BackendName);
  const split = options.split ?? 'test';
  const tasks = evalTasks(config, options.tasks, split);
  const total = methods.length * tasks.length * seeds;
  let done = 0;
  const results: Record<string, MethodReturns> = {};
  const runner = taskRunner(options.workers ?? 1);
  try {
    for (const method of methods) {
      const started = performance.now();
      const onSeed = () => options.onProgress?.(++done, total, method.name);
      const perTask = await runner.method({ config, method, tasks, seeds, k, onSeed });
      const wallSeconds = (performance.now() - started) / 1000;
      const hasSpeeds = perTask.every((t) => t.speeds.length === seeds);
      results[method.name] = {
        returns: perTask.map((t) => t.returns),
        ...(hasSpeeds ? { speeds: perTask.map((t) => t.speeds) } : {}),
        envSteps: perTask.reduce((sum, t) => sum + t.envSteps, 0),
        wallSeconds,
      };
    }
  } finally {
    await runner.close();
  }
  return reportFromReturns(
    { env: config.env, split, reward: config.reward, k, heldOutTasks: tasks },
    results,
  );
}

type MethodReturns = Pick<MethodResult, 'returns' | 'speeds' | 'envSteps' | 'wallSeconds'>;

/**
 * The report of per-(task, seed) returns: means, t intervals, norm and the paired differences. norm's top is the
 * oracle method's k = 0 mean, or without one `oracle0` (an oracle evaluated on the same tasks and seeds elsewhere).
 */
export function reportFromReturns(
  run: { env: string; split?: EvalSplit; reward?: string; k: number; heldOutTasks: unknown[] },
  methods: Record<string, MethodReturns>,
  oracle0Elsewhere: number | null = null,
): EvalReport {
  const { k } = run;
  const results: Record<string, MethodResult> = {};
  for (const [name, m] of Object.entries(methods)) {
    const { returns, speeds, envSteps, wallSeconds } = m;
    results[name] = { ...summarize(returns, k), norm: [], returns, envSteps, wallSeconds };
    if (speeds) Object.assign(results[name], { meanSpeed: summarize(speeds, k).mean, speeds });
  }
  const random0 = results.random?.mean[0] ?? null;
  const oracle0 = results.oracle?.mean[0] ?? oracle0Elsewhere;
  for (const result of Object.values(results)) {
    result.norm = result.mean.map((r) => (random0 === null ? null : normalizedScore(r, random0, oracle0)));
  }
  const first = Object.values(results)[0];
  return {
    env: run.env,
    ...(run.split ? { split: run.split } : {}),
    ...(run.reward ? { reward: run.reward } : {}),
    tasks: run.heldOutTasks.length,
    seeds: first?.returns[0]?.length ?? 0,
    k,
    methods: results,
    ci: CI_METHOD,
    normReference: { random0, oracle0 },
    differences: pairedDifferences(results, 'meta', k),
    heldOutTasks: run.heldOutTasks,
  };
}

/**
 * Several runs' reports (e.g. meta-training seeds 0, 1, 2 of one config, evaluated alike) as one: the same held-out
 * tasks, each task's seeds being every (run, eval seed) pair, so intervals and paired differences cover the
 * training seeds too. Methods missing from any report are dropped.
 */
export function poolReports(reports: readonly EvalReport[]): EvalReport {
  const first = reports[0];
  if (!first) throw new TerrariumError('reports', [], 'at least one eval report');
  for (const r of reports) {
    if (
      r.env !== first.env ||
      r.reward !== first.reward ||
      r.k !== first.k ||
      JSON.stringify(r.heldOutTasks) !== JSON.stringify(first.heldOutTasks)
    ) {
      throw new TerrariumError(
        'reports',
        `${r.env}, reward ${r.reward ?? '-'}, k = ${r.k}, ${r.tasks} tasks`,
        `the same env, reward, k and held-out tasks as the first (${first.env}, reward ${first.reward ?? '-'}, k = ${first.k}, ${first.tasks} tasks)`,
      );
    }
  }
  const names = Object.keys(first.methods).filter((name) => reports.every((r) => r.methods[name]));
  const methods = Object.fromEntries(
    names.map((name) => {
      const all = reports.map((r) => r.methods[name]!);
      const returns = first.heldOutTasks.map((_, i) => all.flatMap((m) => m.returns[i]!));
      const speeds = all.every((m) => m.speeds)
        ? first.heldOutTasks.map((_, i) => all.flatMap((m) => m.speeds![i]!))
        : undefined;
      const envSteps = all.reduce((sum, m) => sum + m.envSteps, 0);
      const wallSeconds = all.reduce((sum, m) => sum + m.wallSeconds, 0);
      return [name, { returns, ...(speeds ? { speeds } : {}), envSteps, wallSeconds }];
    }),
  );
  return reportFromReturns(first, methods);
}

/** How an eval adapted every init, as its results.json records it (evals written before these fields lack them). */
export interface RecordedProtocol {
  episodesPerUpdate?: number;
  innerLearner?: unknown;
  /** The baselines' learner where it was not the run's (eval --baseline-learner weights). */
  baselineLearner?: unknown;
  /** "inner-loop" where the meta-init adapted with the run's whole inner loop (eval --meta-learner inner-loop). */
  metaLearner?: string;
}

/**
 * Throws unless the evals to be pooled adapted the same way: pooling an eval with 20 episodes a step and one with 10
 * would average two protocols. A field that an eval does not record is not compared.
 */
export function assertSameEvalProtocol(evals: readonly (RecordedProtocol & { name: string })[]): void {
  const fields: Record<string, (e: RecordedProtocol) => string | undefined> = {
    episodesPerUpdate: (e) => e.episodesPerUpdate?.toString(),
    innerLearner: (e) => (e.innerLearner === undefined ? undefined : JSON.stringify(e.innerLearner)),
    // Absent means the run's own learner: an eval with it must not pool with one whose baselines fine-tuned weights.
    baselineLearner: (e) => JSON.stringify(e.baselineLearner ?? 'run'),
    metaLearner: (e) => e.metaLearner ?? 'run',
  };
  for (const [field, read] of Object.entries(fields)) {
    const known = evals.filter((e) => read(e) !== undefined);
    if (new Set(known.map(read)).size > 1) {
      const seen = known.map((e) => `${e.name}: ${read(e)}`).join('; ');
      throw new TerrariumError(`pooled evals' ${field}`, seen, 'one value for every eval pooled');
    }
  }
}

/** Mean and t interval over tasks of each k, a task's value being its mean over seeds. */
export function summarize(returns: number[][][], k: number): { mean: number[]; ci95: Interval[] } {
  const means: number[] = [];
  const ci95: Interval[] = [];
  for (let j = 0; j <= k; j++) {
    const perTask = returns.map((seedsOfTask) => mean(seedsOfTask.map((r) => r[j]!)));
    means.push(mean(perTask));
    ci95.push(tInterval95(perTask));
  }
  return { mean: means, ci95 };
}

/** `of` minus every other method, paired on (task, seed); empty when `of` was not run. */
export function pairedDifferences(
  results: Record<string, Pick<MethodResult, 'returns'>>,
  of: string,
  k: number,
): Record<string, { mean: number[]; ci95: Interval[] }> {
  const base = results[of];
  if (!base) return {};
  const out: Record<string, { mean: number[]; ci95: Interval[] }> = {};
  for (const [name, other] of Object.entries(results)) {
    if (name === of) continue;
    const diff = base.returns.map((seeds, i) =>
      seeds.map((r, s) => r.map((v, j) => v - other.returns[i]![s]![j]!)),
    );
    out[`${of} - ${name}`] = summarize(diff, k);
  }
  return out;
}
