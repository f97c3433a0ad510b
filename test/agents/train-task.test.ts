import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPolicyActor } from '../../src/agents/actor.js';
import { main } from '../../src/cli/main.js';

describe('terrarium train-task', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'terrarium-train-task-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--json prints exactly the summary fields; writes the policy and one metrics line per batch', async () => {
    const out = join(dir, 'run');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await main([
      'node',
      'terrarium',
      'train-task',
      '--env',
      'ball-nav',
      '--task-seed',
      '3',
      '--algo',
      'vpg',
      '--steps',
      '4000',
      '--episodes-per-update',
      '10',
      '--out',
      out,
      '--json',
    ]);
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    write.mockRestore();
    expect(code).toBe(0);
    const summary = JSON.parse(printed);
    expect(Object.keys(summary).sort()).toEqual(
      ['algo', 'backend', 'envSteps', 'env', 'finalReturn', 'initialReturn', 'wallSeconds'].sort(),
    );
    expect(summary).toMatchObject({ env: 'ball-nav', algo: 'vpg', envSteps: 4000 });
    // --steps is env steps: batches until 4000 are used (more than 4 when a ball reaches its goal early), the last
    // one cut at the budget.
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.at(-1).envSteps).toBe(4000);
    expect(lines.at(-2).envSteps).toBeLessThan(4000);
    expect(lines.at(-1).meanReturn).toBeCloseTo(summary.finalReturn, 6);

    const actor = await loadPolicyActor(join(out, 'policy'), { obsDim: 4, actDim: 2 });
    const obs = Float32Array.from([0.1, -0.2, 0.3, 0]);
    expect(actor.act(obs)).toEqual(actor.policy.meanActions(obs, 'typed'));
    actor.dispose();
    await expect(loadPolicyActor(join(out, 'policy'), { obsDim: 27, actDim: 8 })).rejects.toThrow(
      /obs 27, act 8/,
    );
  }, 30_000);

  it('bad input exits 2 naming the flag', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['node', 'terrarium', 'train-task', '--env', 'ball-nav', '--algo', 'sac']);
    const printed = err.mock.calls.map((c) => String(c[0])).join('');
    err.mockRestore();
    expect(code).toBe(2);
    expect(printed).toMatch(/--algo: expected one of vpg, ppo, got "sac"/);
  });

  it('--threads 1 and 2 give the same run, bit for bit; run.json records the threads; --threads 0 is named', async () => {
    const run = async (threads: string, out: string, ...extra: string[]) => {
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const error = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const code = await main([
        'node',
        'terrarium',
        'train-task',
        '--env',
        'ant',
        '--steps',
        '800',
        '--episodes-per-update',
        '3',
        '--num-envs',
        '3',
        '--learner',
        '{"numMinibatches":2,"updateEpochs":2}',
        '--threads',
        threads,
        '--out',
        out,
        '--json',
        ...extra,
      ]);
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      const errors = error.mock.calls.map((c) => String(c[0])).join('');
      write.mockRestore();
      error.mockRestore();
      return { code, printed, errors };
    };
    const metrics = async (out: string) =>
      (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => ({ ...JSON.parse(line), wallSeconds: 0 }));
    const one = await run('1', join(dir, 'threads-1'));
    const two = await run('2', join(dir, 'threads-2'));
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(JSON.parse(await readFile(join(dir, 'threads-2', 'run.json'), 'utf8')).threads).toBe(2);
    expect(await metrics(join(dir, 'threads-2'))).toEqual(await metrics(join(dir, 'threads-1')));
    const weights = await Promise.all(
      ['threads-1', 'threads-2'].map((d) => readFile(join(dir, d, 'policy', 'weights.bin'))),
    );
    expect(weights[1]!.equals(weights[0]!)).toBe(true);
    const { wallSeconds: _w1, ...summaryOne } = JSON.parse(one.printed);
    const { wallSeconds: _w2, ...summaryTwo } = JSON.parse(two.printed);
    expect(summaryTwo).toEqual(summaryOne);
    // --steps is env steps on any thread count: the second batch of 3 x 200 is cut at the budget's last 200.
    expect(summaryOne.envSteps).toBe(800);

    const bad = await run('0', join(dir, 'threads-0'));
    expect(bad.code).toBe(2);
    expect(bad.errors).toMatch(/--threads: expected an integer in \[1, 64\], got "0"/);
    const withContext = await run('2', join(dir, 'threads-context'), '--policy-config', '{"contextDim":2}');
    expect(withContext.code).toBe(2);
    expect(withContext.errors).toMatch(/--threads: expected 1 with a policy contextDim/);
  }, 120_000);

  it('on a legged env: --reward is recorded in run.json, meanSpeed reported; an unknown preset is named', async () => {
    const out = join(dir, 'cheetah');
    const run = async (...extra: string[]) => {
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const error = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const code = await main([
        'node',
        'terrarium',
        'train-task',
        '--env',
        'cheetah',
        '--steps',
        '600',
        '--episodes-per-update',
        '1',
        '--learner',
        '{"numMinibatches":2,"updateEpochs":1}',
        '--json',
        ...extra,
      ]);
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      const errors = error.mock.calls.map((c) => String(c[0])).join('');
      write.mockRestore();
      error.mockRestore();
      return { code, printed, errors };
    };
    const ok = await run('--reward', 'gymnasium', '--out', out);
    expect(ok.code).toBe(0);
    const summary = JSON.parse(ok.printed);
    expect(summary.envSteps).toBe(600);
    expect(Number.isFinite(summary.meanSpeed)).toBe(true);
    expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).reward).toBe('gymnasium');
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines.at(-1)!).meanSpeed).toBeCloseTo(summary.meanSpeed, 9);
    const bad = await run('--reward', 'mujoco');
    expect(bad.code).not.toBe(0);
    expect(bad.errors).toMatch(/--reward: .*maml.*gymnasium.*mujoco/s);
  }, 120_000);
});
