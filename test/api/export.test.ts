import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPolicy } from '../../src/agents/layers-model.js';
import type { GaussianPolicy } from '../../src/agents/policy.js';
import { envEntry } from '../../src/envs/registry.js';
import { loadPolicy } from '../../src/meta/run-policy.js';
import { terrarium } from '../run-cli.js';
import {
  type Exports,
  makeExports,
  maxAbsDiff,
  observations,
  plainNodeActions,
  TINY_RUN,
} from './exported-run.js';

describe('terrarium export: a standard tfjs LayersModel that acts as the policy', () => {
  let e: Exports;
  let rows: number[][];
  const policies: GaussianPolicy[] = [];
  const load = async (...args: Parameters<typeof loadPolicy>) => {
    const policy = await loadPolicy(...args);
    policies.push(policy);
    return policy;
  };
  const terrariumActions = (policy: GaussianPolicy) => policy.meanActions(Float32Array.from(rows.flat()));

  beforeAll(async () => {
    [e, rows] = await Promise.all([makeExports(), observations()]);
  }, 120_000);
  afterAll(async () => {
    for (const p of policies) p.dispose();
    if (e) await rm(e.dir, { recursive: true, force: true });
  });

  it("the meta-init, loaded by plain tfjs in Node (file:// router), gives the run's mean actions to 1e-5", async () => {
    const policy = await load(e.run);
    const clipped = policy.normalize(Float32Array.from(rows.flat())).filter((z) => Math.abs(z) === 10);
    expect(clipped.length, 'some rows are clipped by the normalization').toBeGreaterThan(0);
    const node = await plainNodeActions(e.metaInit, rows);
    expect(node.backend).toBe('cpu');
    expect(maxAbsDiff(node.actions.flat(), terrariumActions(policy))).toBeLessThan(1e-5);
    const logStd = policy.getParams().subarray(policy.specs.find((s) => s.name === 'pi/log_std')!.offset);
    expect(maxAbsDiff(node.logStd, logStd.subarray(0, 2))).toBeLessThan(1e-7);
  });

  it('--k 1 --task-seed 3 exports the meta-init adapted one update to that task, and it acts differently', async () => {
    const task = envEntry('ball-nav').distribution().sample(1, 3)[0];
    const adapted = await load(e.run, { k: 1, task, seed: 0 });
    const node = await plainNodeActions(e.adapted, rows);
    expect(maxAbsDiff(node.actions.flat(), terrariumActions(adapted))).toBeLessThan(1e-5);
    const metaInit = await plainNodeActions(e.metaInit, rows);
    expect(maxAbsDiff(node.actions.flat(), metaInit.actions.flat())).toBeGreaterThan(1e-3);
    const model = JSON.parse(await readFile(join(e.adapted, 'model.json'), 'utf8'));
    expect(model.userDefinedMetadata.terrarium).toMatchObject({
      env: 'ball-nav',
      observeTask: false,
      source: { kind: 'run', k: 1, task },
    });
  });

  it('a train-task policy (tanh, with a value MLP) exports its mean path', async () => {
    const policy = await load(e.trainTask);
    expect(policy.hasValue).toBe(true);
    const node = await plainNodeActions(e.trainTaskModel, rows);
    expect(maxAbsDiff(node.actions.flat(), terrariumActions(policy))).toBeLessThan(1e-5);
  });

  it('an exported model loads back into Terrarium as the same policy, and exporting leaks no tensors', async () => {
    const run = await load(e.run);
    const back = await load(e.metaInit);
    expect(maxAbsDiff(terrariumActions(back), terrariumActions(run))).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    await exportPolicy(back, join(e.dir, 'again'));
    expect(tf.memory().numTensors).toBe(before);
    const again = await load(join(e.dir, 'again'));
    expect(again.getParams()).toEqual(back.getParams());
    expect(again.getObsNorm()).toEqual(back.getObsNorm());
  });

  it('rollout --policy takes a run directory, a train-task output and an exported model', async () => {
    const rollout = async (policy: string) => {
      const args = [
        'rollout',
        '--env',
        'ball-nav',
        '--task-seed',
        '3',
        '--steps',
        '40',
        '--policy',
        policy,
        '--json',
      ];
      const result = await terrarium(args);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { return: number; steps: number };
    };
    const [run, exported, trainTask, trainTaskModel] = await Promise.all(
      [e.run, e.metaInit, e.trainTask, e.trainTaskModel].map(rollout),
    );
    expect(exported.steps).toBe(run.steps);
    expect(exported.return).toBeCloseTo(run.return, 3);
    expect(trainTaskModel.return).toBeCloseTo(trainTask.return, 3);
    expect(run.return).not.toBeCloseTo(trainTask.return, 3);
  });

  it('bad input exits 2 with one line naming the flag', async () => {
    const missing = await terrarium(['export', '--run', join(e.dir, 'nothing'), '--out', join(e.dir, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^terrarium: policy: expected a run directory .*got ".*nothing"\n$/);
    const noTask = await terrarium(['export', '--run', e.run, '--k', '2', '--out', join(e.dir, 'x')]);
    expect(noTask.code).toBe(2);
    expect(noTask.stderr).toMatch(/^terrarium: --k 2: needs --task JSON or --task-seed N/);
    const badTask = await terrarium([
      'export',
      '--run',
      e.run,
      '--k',
      '1',
      '--task',
      '{"goal": 1}',
      '--out',
      join(e.dir, 'x'),
    ]);
    expect(badTask.code).toBe(2);
    expect(badTask.stderr).toMatch(/^terrarium: --task\.goal: expected/);
    const kOnPolicy = await terrarium([
      'export',
      '--run',
      e.trainTask,
      '--k',
      '1',
      '--task-seed',
      '0',
      '--out',
      join(e.dir, 'x'),
    ]);
    expect(kOnPolicy.code).toBe(2);
    expect(kOnPolicy.stderr).toMatch(/^terrarium: --k: expected 0 for a policy directory/);
    expect(TINY_RUN.env).toBe('ball-nav');
  });
});
