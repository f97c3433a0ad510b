import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { terrarium } from '../run-cli.js';
import { readMetrics, sineConfigFile, tempDir, tinyBallNav, tinySine, train } from './helpers.js';

// The built CLI, as users run it (`npm test` builds first).
const CLI = ['bin/terrarium.js'];

describe('checkpoints and resume', () => {
  it('4 iterations equal 2 + resume + 2 (sine, Adam meta-optimizer): same metrics returns and params', async () => {
    const config = tinySine({ outer: { eps0: 0.5, eps1: 0, optimizer: 'adam' } });
    const straight = tempDir();
    const resumed = tempDir();
    await train(config, straight);
    const first = await train(config, resumed, { stopAfter: 2 });
    expect(first).toMatchObject({ iterations: 2, stopped: true });
    await train(config, resumed, { resume: true });
    expect(readMetrics(resumed).map((m) => m.taskReturns)).toEqual(
      readMetrics(straight).map((m) => m.taskReturns),
    );
    const a = await loadLatestCheckpoint(straight);
    const b = await loadLatestCheckpoint(resumed);
    expect(b.iteration).toBe(4);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(Array.from(b.checkpoint.adam!.m)).toEqual(Array.from(a.checkpoint.adam!.m));
  });

  it('4 iterations equal 2 + resume + 2 on ball-nav (policy, pooled obs-norm, task RNG)', async () => {
    const config = tinyBallNav({ iterations: 4 });
    const straight = tempDir();
    const resumed = tempDir();
    await train(config, straight);
    await train(config, resumed, { stopAfter: 2 });
    // Metrics written after the checkpoint (here: a torn line) are dropped on resume.
    writeFileSync(
      join(resumed, 'metrics.jsonl'),
      `${readFileSync(join(resumed, 'metrics.jsonl'), 'utf8')}{"iterat`,
    );
    await train(config, resumed, { resume: true });
    const returns = (dir: string) =>
      readMetrics(dir).map((m) => [m.iteration, m.returnBefore, m.returnAfter, m.taskReturns]);
    expect(returns(resumed)).toEqual(returns(straight));
    const a = await loadLatestCheckpoint(straight);
    const b = await loadLatestCheckpoint(resumed);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(b.obsNorm).toEqual(a.obsNorm);
  });

  it('resuming with a different config is refused, naming the fields that differ', async () => {
    const dir = tempDir();
    await train(tinySine(), dir, { stopAfter: 1 });
    await expect(train(tinySine({ metaBatchSize: 2 }), dir, { resume: true })).rejects.toThrow(
      /^--config: expected the config the run in .* was started with \(see its config.json\), got "a config whose metaBatchSize differ"$/,
    );
  });

  it.each([
    ['a reptile run with a constant eps', { outer: { eps0: 0.5, eps1: 0.5, optimizer: 'sgd' } }],
    ['a pretrain run', { algo: 'pretrain' }],
  ])('%s is extended by resuming with more iterations, as if started with them', async (_, settings) => {
    const config = (iterations: number) => tinySine({ iterations, ...settings });
    const straight = tempDir();
    const extended = tempDir();
    await train(config(4), straight);
    await expect(train(config(2), extended)).resolves.toMatchObject({ stopped: false });
    await expect(train(config(4), extended, { resume: true })).resolves.toMatchObject({ iterations: 4 });
    expect(readMetrics(extended).map((m) => m.taskReturns)).toEqual(
      readMetrics(straight).map((m) => m.taskReturns),
    );
    const a = await loadLatestCheckpoint(straight);
    const b = await loadLatestCheckpoint(extended);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
  });

  it('an annealed run refuses more iterations (its eps schedule would change), naming the field', async () => {
    const dir = tempDir();
    await train(tinySine({ iterations: 2 }), dir);
    await expect(train(tinySine({ iterations: 4 }), dir, { resume: true })).rejects.toThrow(
      /got "a config whose iterations differ"$/,
    );
  });

  it('a run saved before a config field existed resumes (the field compares as its default)', async () => {
    const dir = tempDir();
    const config = tinySine({ iterations: 2 });
    await train(config, dir, { stopAfter: 1 });
    const path = join(dir, 'config.json');
    const { envStepBudget: _, algo: _algo, ...older } = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify(older));
    await expect(train(config, dir, { resume: true })).resolves.toMatchObject({ iterations: 2 });
  });

  it("the CLI reports the first resumed iteration's own speed and time, not zeros", async () => {
    const dir = tempDir();
    await train(tinyBallNav({ iterations: 3 }), dir, { stopAfter: 2 });
    const { code, stdout, stderr } = await terrarium(['train', '--out', dir, '--resume']);
    expect(code, stderr).toBe(0);
    const line = stdout.split('\n').find((l) => l.startsWith('iter 3/3'));
    const [, rate, seconds] = line?.match(/ (\d+) steps\/s +([\d.]+) s$/) ?? [];
    expect(Number(rate), line).toBeGreaterThan(0);
    expect(Number(seconds), line).toBeGreaterThan(0);
  });

  it('Ctrl-C (SIGINT) saves a checkpoint and exits 130', async () => {
    const dir = tempDir();
    const configPath = sineConfigFile(
      dir,
      {
        iterations: 1000000,
        metaBatchSize: 1,
        hidden: undefined,
        inner: { steps: 5, lr: 0.02, points: 10, batchSize: 10 },
        evaluation: undefined,
        checkpointEvery: 100000,
      },
      'config-in.json',
    );
    const out = join(dir, 'run');
    const child = spawn(process.execPath, [...CLI, 'train', '--config', configPath, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    while (!/iter \d+\/1000000/.test(stdout)) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    const run = await loadLatestCheckpoint(out);
    expect(run.iteration).toBeGreaterThan(0);
    expect(readMetrics(out)).toHaveLength(run.iteration);
  });
});
