import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terrarium as run } from '../run-cli.js';

const terrarium = (...args: string[]) => run(args);

describe('terrarium CLI: envs and rollout', () => {
  it('envs --json lists every env with its dimensions', async () => {
    const { code, stdout } = await terrarium('envs', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout);
    expect(rows.map((r: { id: string }) => r.id)).toEqual(
      expect.arrayContaining(['ball-nav', 'cheetah', 'ant']),
    );
    const ant = rows.find((r: { id: string }) => r.id === 'ant');
    expect(ant).toMatchObject({ obsDim: 27, actDim: 8, terrains: ['flat', 'slope', 'stairs', 'rough'] });
  });

  it('rollout --json runs one episode and prints the documented fields', async () => {
    const { code, stdout } = await terrarium(
      'rollout',
      '--env',
      'ant',
      '--terrain',
      'stairs',
      '--policy',
      'zero',
      '--steps',
      '30',
      '--json',
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(Object.keys(summary).sort()).toEqual([
      'env',
      'meanSpeed',
      'return',
      'steps',
      'terminated',
      'truncated',
    ]);
    expect(summary).toMatchObject({ env: 'ant', steps: 30, terminated: false, truncated: true });
    expect(Math.abs(summary.meanSpeed)).toBeLessThan(0.1); // the zero policy stands
    // Standing under the MAML reward earns about the survive reward (0.05 a step).
    expect(summary.return).toBeLessThan(30 * 0.05 + 1); // + the reset noise settling
  });

  it('rollout with the same --seed and --task-seed is reproducible', async () => {
    const a = await terrarium('rollout', '--env', 'cheetah', '--task-seed', '3', '--seed', '2', '--json');
    const b = await terrarium('rollout', '--env', 'cheetah', '--task-seed', '3', '--seed', '2', '--json');
    expect(a.stdout).toBe(b.stdout);
  });

  it.each([
    [['rollout', '--env', 'antt'], 'env: expected a known env id (ball-nav, cheetah, ant), got "antt"'],
    [['rollout', '--env', 'ant', '--steps', '-3'], '--steps: expected an integer >= 1, got "-3"'],
    [['rollout', '--env', 'ant', '--task', '{"goal":1}'], 'task.goal'],
    [['rollout', '--env', 'ant', '--task', '{bad'], '--task: expected JSON'],
    [
      ['rollout', '--env', 'ant', '--terrain', 'lava'],
      '--terrain: expected one of flat, slope, stairs, rough',
    ],
  ])('usage error %j exits 2 with one line and no stack', async (args, message) => {
    const { code, stderr } = await terrarium(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('--robot runs a user robot spec, and a bad spec names the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrarium-robot-'));
    const spec = JSON.parse(readFileSync('robots/ant.json', 'utf8'));
    spec.joints = spec.joints.map((j: { gear: number }) => ({ ...j, gear: 5 }));
    writeFileSync(join(dir, 'weak-ant.json'), JSON.stringify(spec));
    const weak = await terrarium(
      'rollout',
      '--env',
      'ant',
      '--robot',
      join(dir, 'weak-ant.json'),
      '--steps',
      '40',
      '--json',
    );
    const strong = await terrarium('rollout', '--env', 'ant', '--steps', '40', '--json');
    expect(weak.code).toBe(0);
    expect(JSON.parse(weak.stdout).return).not.toBe(JSON.parse(strong.stdout).return);
    spec.joints[0].parent = 'nobody';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(spec));
    const bad = await terrarium('rollout', '--env', 'ant', '--robot', join(dir, 'bad.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('robot.joints.0.parent: expected a body name');
  });

  it('rollout --policy DIR runs a policy saved by train-task, and refuses one for other dims', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrarium-policy-'));
    const trained = await terrarium(
      'train-task',
      '--env',
      'ball-nav',
      '--task-seed',
      '1',
      '--algo',
      'vpg',
      '--steps',
      '400',
      '--out',
      dir,
      '--json',
    );
    expect(trained.code).toBe(0);
    const ok = await terrarium(
      'rollout',
      '--env',
      'ball-nav',
      '--task-seed',
      '1',
      '--policy',
      join(dir, 'policy'),
      '--json',
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ env: 'ball-nav', steps: 100 });
    const bad = await terrarium('rollout', '--env', 'ant', '--policy', join(dir, 'policy'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/obs 27, act 8 .*obs 4, act 2/);
  });
});
