/**
 * Held-out tasks reported by group: the distribution names the groups a task belongs to (TaskDistribution.groupsOf:
 * "crippled leg" or "healthy", "outside training: friction", ...), and each group gets every method's mean return
 * and speed per k over its tasks (a task's value: its mean over the eval seeds, as in the main table).
 */
import { type EvalReport, summarize } from './evaluate.js';
import { differencesTable, gapClosedLine, resultsTable, tableKs } from './table.js';

export interface GroupResult {
  /** Indices of the group's tasks in the report's heldOutTasks. */
  tasks: number[];
  methods: Record<string, { mean: number[]; meanSpeed?: number[] }>;
}

/** Per-k means over the given tasks of values[task][seed][k], as the main table's. */
const meansOver = (values: number[][][], tasks: number[], k: number) =>
  summarize(
    tasks.map((i) => values[i]!),
    k,
  ).mean;

/** Every group that at least one held-out task belongs to, in the order first met; {} when none. */
export function groupResults(
  report: Pick<EvalReport, 'heldOutTasks' | 'methods' | 'k'>,
  groupsOf: (task: unknown) => string[],
): Record<string, GroupResult> {
  const members = new Map<string, number[]>();
  report.heldOutTasks.forEach((task, i) => {
    for (const group of groupsOf(task)) members.set(group, [...(members.get(group) ?? []), i]);
  });
  const out: Record<string, GroupResult> = {};
  for (const [group, tasks] of members) {
    const methods: GroupResult['methods'] = {};
    for (const [name, m] of Object.entries(report.methods)) {
      methods[name] = {
        mean: meansOver(m.returns, tasks, report.k),
        ...(m.speeds ? { meanSpeed: meansOver(m.speeds, tasks, report.k) } : {}),
      };
    }
    out[group] = { tasks, methods };
  }
  return out;
}

const fmt = (x: number | undefined, digits: number) =>
  x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);

/** One row per (group, method): mean return and m/s at each k of the main table; '' without groups. */
export function groupsTable(groups: Record<string, GroupResult>, k: number): string {
  const entries = Object.entries(groups);
  if (entries.length === 0) return '';
  const ks = tableKs(k);
  const withSpeed = entries.some(([, g]) => Object.values(g.methods).some((m) => m.meanSpeed));
  const speedKs = withSpeed ? ks : [];
  const lines = [
    `| group | tasks | init | ${[...ks.map((j) => `k = ${j}`), ...speedKs.map((j) => `m/s k = ${j}`)].join(' | ')} |`,
    `|---|---|---|${[...ks, ...speedKs].map(() => '---|').join('')}`,
  ];
  for (const [group, g] of entries) {
    for (const [name, m] of Object.entries(g.methods)) {
      const cells = [...ks.map((j) => fmt(m.mean[j], 1)), ...speedKs.map((j) => fmt(m.meanSpeed?.[j], 2))];
      lines.push(`| ${group} | ${g.tasks.length} | ${name} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/**
 * Each method's speed on crippled-leg tasks as a share of its speed on healthy ones, at the last k ("crippled legs /
 * healthy, k = 3: meta 0.24, ..."); '' unless both groups are there with speeds.
 */
export function crippledShareLine(groups: Record<string, GroupResult>, k: number): string {
  const crippled = groups['crippled leg'];
  const healthy = groups.healthy;
  if (!crippled || !healthy) return '';
  const shares = Object.entries(crippled.methods).flatMap(([name, m]) => {
    const c = m.meanSpeed?.[k];
    const h = healthy.methods[name]?.meanSpeed?.[k];
    return c === undefined || h === undefined ? [] : [`${name} ${fmt(c / h, 2)}`];
  });
  return shares.length === 0
    ? ''
    : `Speed on crippled-leg tasks / on healthy ones, k = ${k}: ${shares.join(', ')}.`;
}

/**
 * results.md's tables of a report, as `terrarium eval` writes them and scripts/results-tables.ts prints pooled ones:
 * the results, the paired differences, the gap-closed line, and the task groups `groupsOf` names (with the groups).
 */
export function resultsMarkdown(
  report: EvalReport,
  groupsOf: (task: unknown) => string[],
): { markdown: string; groups: Record<string, GroupResult> } {
  const groups = groupResults(report, groupsOf);
  const markdown = [
    resultsTable(report),
    differencesTable(report),
    gapClosedLine(report),
    groupsTable(groups, report.k),
    crippledShareLine(groups, report.k),
  ]
    .filter((t) => t !== '')
    .join('\n\n');
  return { markdown, groups };
}
