/**
 * Markdown tables of eval results, ready to paste into the README: one table per experiment (mean return and its
 * 95 % CI after k = 0..K updates, and norm), and a comparison of norm after one update with the MAML paper's.
 */
import type { EvalReport } from './evaluate.js';

/**
 * The MAML paper's RL results (Finn, Abbeel, Levine 2017, from the data behind its figures), as norm after one
 * update: (R_1 - R_random) / (R_oracle - R_random). Different simulator and robots than Terrarium's: only norm is
 * comparable, and only roughly.
 */
export const MAML_REFERENCE: Record<string, { task: string; maml: number; pretrained: number }> = {
  'ball-nav': { task: '2D navigation', maml: 0.88, pretrained: 0.78 },
  'cheetah-vel': { task: 'half-cheetah velocity', maml: 0.88, pretrained: 0.6 },
  'cheetah-dir': { task: 'half-cheetah direction', maml: 0.69, pretrained: 0.02 },
  'ant-dir': { task: 'ant direction', maml: 0.95, pretrained: 0.0 },
  // The paper's ant-vel pretrained baseline is not read off its figure here: NaN prints as "-".
  'ant-vel': { task: 'ant velocity', maml: 0.94, pretrained: Number.NaN },
};

function fmt(value: number | null | undefined, digits = 1): string {
  if (value !== null && value !== undefined && Math.abs(value) < 10 && digits === 1) digits = 2;
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** The k columns of a table: all of 0..K up to K = 5, else 0, 1, 2, 4, 8, ... and K. */
export function tableKs(maxK: number): number[] {
  if (maxK <= 5) return Array.from({ length: maxK + 1 }, (_, k) => k);
  const ks = [0];
  for (let k = 1; k < maxK; k *= 2) ks.push(k);
  return [...ks, maxK];
}

/**
 * Mean [95 % CI] of each method after k updates, then norm after each k (when an oracle gave it a scale), then the
 * mean speed in m/s after each k (legged envs).
 */
export function resultsTable(report: EvalReport): string {
  const ks = tableKs(report.k);
  const methods = Object.entries(report.methods);
  const withNorm = methods.some(([, m]) => m.norm.some((v) => v !== null));
  const normKs = withNorm ? ks : [];
  const speedKs = methods.some(([, m]) => m.meanSpeed) ? ks : [];
  const header = `| init | ${[
    ...ks.map((k) => `k = ${k}`),
    ...normKs.map((k) => `norm k = ${k}`),
    ...speedKs.map((k) => `m/s k = ${k}`),
  ].join(' | ')} |`;
  const rule = `|---|${[...ks, ...normKs, ...speedKs].map(() => '---|').join('')}`;
  const rows = methods.map(([name, m]) => {
    const returns = ks.map((k) => `${fmt(m.mean[k])} [${fmt(m.ci95[k]![0])}, ${fmt(m.ci95[k]![1])}]`);
    const norms = normKs.map((k) => fmt(m.norm[k], 2));
    const speeds = speedKs.map((k) => fmt(m.meanSpeed?.[k], 2));
    return `| ${name} | ${[...returns, ...norms, ...speeds].join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** meta minus each baseline, paired on (task, seed): mean [95 % CI] per k. */
export function differencesTable(report: EvalReport): string {
  const ks = tableKs(report.k);
  const rows = Object.entries(report.differences ?? {}).map(
    ([name, d]) =>
      `| ${name} | ${ks.map((k) => `${fmt(d.mean[k])} [${fmt(d.ci95[k]![0])}, ${fmt(d.ci95[k]![1])}]`).join(' | ')} |`,
  );
  if (rows.length === 0) return '';
  return [
    `| paired difference | ${ks.map((k) => `k = ${k}`).join(' | ')} |`,
    `|---|${ks.map(() => '---|').join('')}`,
    ...rows,
  ].join('\n');
}

/** norm after one update: Terrarium's meta-init and pretrained init beside the MAML paper's. */
export function comparisonTable(experiments: Record<string, EvalReport>): string {
  const lines = [
    '| experiment | reward | Terrarium meta-init | Terrarium pretrained | MAML paper: MAML | MAML paper: pretrained |',
    '|---|---|---|---|---|---|',
  ];
  const names = [...new Set([...Object.keys(MAML_REFERENCE), ...Object.keys(experiments)])];
  for (const name of names) {
    const report = experiments[name];
    // "ball-nav:metasgd" is a variant of the paper's "ball-nav".
    const ref = MAML_REFERENCE[name.split(':')[0]!];
    const norm1 = (method: string) => fmt(report?.methods[method]?.norm[1], 2);
    lines.push(
      `| ${name}${ref ? ` (${ref.task})` : ''} | ${report?.reward ?? '-'} | ${report ? norm1('meta') : 'not run'} | ` +
        `${report ? norm1('pretrained') : 'not run'} | ${fmt(ref?.maml, 2)} | ${fmt(ref?.pretrained, 2)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The share of the gap from the pretrained init to the oracle that the meta-init closes at each k, in return and
 * (legged envs) in speed: (meta_k - pretrained_k) / (oracle_0 - pretrained_k), the oracle before any update as norm
 * uses it; above 1 where the meta-init passes the oracle. '' unless meta, pretrained and oracle were all evaluated.
 */
export function gapClosedLine(report: EvalReport): string {
  const { meta, pretrained, oracle } = report.methods;
  if (!meta || !pretrained || !oracle) return '';
  // No gap to close where the oracle is not above pretrained: "-".
  const share = (m: number | undefined, p: number | undefined, o: number | undefined) =>
    m === undefined || p === undefined || o === undefined || o <= p ? '-' : fmt((m - p) / (o - p), 2);
  const cells = tableKs(report.k).map((k) => {
    const speed = meta.meanSpeed
      ? ` (m/s ${share(meta.meanSpeed[k], pretrained.meanSpeed?.[k], oracle.meanSpeed?.[0])})`
      : '';
    return `k = ${k}: ${share(meta.mean[k], pretrained.mean[k], oracle.mean[0])}${speed}`;
  });
  return (
    'Share of the gap from pretrained to the oracle (before any update) that meta closes, ' +
    '(meta_k - pretrained_k) / (oracle_0 - pretrained_k), in return (and speed); - where the oracle is not above ' +
    `pretrained: ${cells.join('; ')}.`
  );
}
