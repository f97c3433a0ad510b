/** A tiny ball-nav meta-training run and a train-task policy, made and exported with the built CLI, for the export tests. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeEnv } from '../../src/envs/registry.js';
import { terrarium } from '../run-cli.js';

export const TINY_RUN = {
  env: 'ball-nav',
  iterations: 2,
  metaBatchSize: 2,
  maxEpisodeSteps: 20,
  inner: { steps: 2, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
  policy: { hiddenSizes: [8, 8], activation: 'relu', obsNorm: true, valueFunction: false },
  checkpointEvery: 1,
  workers: 0,
};

export interface Exports {
  dir: string;
  run: string;
  trainTask: string;
  /** Exported: the run's meta-init, it adapted 1 update to task seed 3 (--seed 0), the train-task policy. */
  metaInit: string;
  adapted: string;
  trainTaskModel: string;
}

async function cli(...args: string[]): Promise<string> {
  const result = await terrarium(args);
  if (result.code !== 0)
    throw new Error(`terrarium ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** The tiny run and its meta-init exported (`metaOnly`), or everything in `Exports`. */
export async function makeExports(metaOnly = false): Promise<Exports> {
  const dir = await mkdtemp(join(tmpdir(), 'terrarium-export-'));
  const e = {
    dir,
    run: join(dir, 'run'),
    trainTask: join(dir, 'train-task'),
    metaInit: join(dir, 'meta-init'),
    adapted: join(dir, 'adapted'),
    trainTaskModel: join(dir, 'train-task-model'),
  };
  await writeFile(join(dir, 'tiny.json'), JSON.stringify(TINY_RUN));
  const trainTask = ['--env', 'ball-nav', '--task-seed', '3', '--algo', 'ppo', '--steps', '2000'];
  await Promise.all([
    cli('train', '--config', join(dir, 'tiny.json'), '--out', e.run),
    metaOnly ? null : cli('train-task', ...trainTask, '--out', e.trainTask),
  ]);
  await Promise.all([
    cli('export', '--run', e.run, '--out', e.metaInit),
    metaOnly ? null : cli('export', '--run', e.run, '--k', '1', '--task-seed', '3', '--out', e.adapted),
    metaOnly ? null : cli('export', '--run', e.trainTask, '--out', e.trainTaskModel),
  ]);
  return e;
}

/**
 * Observations rows: ball-nav's own (random actions, a few episodes), then rows far outside anything seen, where the
 * normalization's clip at +-10 is what decides the action.
 */
export async function observations(): Promise<number[][]> {
  const env = await makeEnv('ball-nav', { maxEpisodeSteps: 30 });
  const rows: number[][] = [];
  let state = 1;
  const uniform = () => ((state = (state * 48271) % 2147483647) / 2147483647) * 2 - 1;
  for (let episode = 0; episode < 2; episode++) {
    let { obs } = env.reset({ seed: episode });
    for (let done = false; !done; ) {
      rows.push(Array.from(obs));
      const step = env.step(Float32Array.from([uniform(), uniform()]));
      obs = step.obs;
      done = step.terminated || step.truncated;
    }
  }
  env.close();
  for (const scale of [50, -50, 400]) rows.push(rows[3]!.map((x, i) => x + scale * (i % 2 === 0 ? 1 : -1)));
  return rows;
}

/** Mean actions of `model` for `rows` by examples/load-exported.mjs: plain @tensorflow/tfjs in a fresh Node. */
export async function plainNodeActions(
  model: string,
  rows: number[][],
): Promise<{ backend: string; actions: number[][]; logStd: number[] }> {
  const file = join(model, '..', `${model.split('/').pop()}-obs.json`);
  await writeFile(file, JSON.stringify(rows));
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/load-exported.mjs', model, file]);
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
