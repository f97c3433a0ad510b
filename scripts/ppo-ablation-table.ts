/**
 * The one-task PPO ablation table of scripts/ppo-ablation.sh: per env and variant, the last batch's mean return and
 * mean speed (m/s along +x) after 500 k env steps, over the seeds run (mean, and each seed's).
 *   npx tsx scripts/ppo-ablation-table.ts [runs/ppo-ablation]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mean } from '../src/core/summary.js';

interface Summary {
  env: string;
  finalReturn: number;
  meanSpeed: number;
  envSteps: number;
  wallSeconds: number;
}

const dir = process.argv[2] ?? 'runs/ppo-ablation';
const groups = new Map<string, { seed: number; summary: Summary }[]>();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const text = readFileSync(join(dir, file), 'utf8').trim();
  if (!text) continue; // still running
  const match = /^(.*)-s(\d+)\.json$/.exec(file);
  if (!match) continue;
  const list = groups.get(match[1]!) ?? [];
  list.push({ seed: Number(match[2]), summary: JSON.parse(text) as Summary });
  groups.set(match[1]!, list);
}
console.log('| env | variant | seeds | return | mean speed (m/s) | per seed (m/s) | env steps | wall (s) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, runs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
  runs.sort((a, b) => a.seed - b.seed);
  const [env, ...variant] = name.split('-');
  const s = runs.map((r) => r.summary);
  console.log(
    `| ${env} | ${variant.join('-')} | ${runs.map((r) => r.seed).join(', ')} | ` +
      `${mean(s.map((x) => x.finalReturn)).toFixed(1)} | ${mean(s.map((x) => x.meanSpeed)).toFixed(2)} | ` +
      `${s.map((x) => x.meanSpeed.toFixed(2)).join(', ')} | ${Math.round(mean(s.map((x) => x.envSteps)))} | ` +
      `${Math.round(mean(s.map((x) => x.wallSeconds)))} |`,
  );
}
