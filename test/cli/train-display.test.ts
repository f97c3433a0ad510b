import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics, tempDir } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'config-in.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const sine = (overrides: Record<string, unknown> = {}) => ({
  env: 'sine',
  iterations: 20,
  metaBatchSize: 2,
  hidden: [8, 8],
  inner: { steps: 2, lr: 0.02, points: 10, batchSize: 5 },
  outer: { eps0: 0.8, eps1: 0.2 },
  checkpointEvery: 1,
  workers: 0,
  ...overrides,
});

const ballNav = {
  env: 'ball-nav',
  iterations: 2,
  metaBatchSize: 3,
  maxEpisodeSteps: 20,
  inner: { steps: 2, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
  policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
  checkpointEvery: 1,
  workers: 0,
  backend: 'cpu',
};

describe('train --iterations on an annealed eps schedule', () => {
  it('says on stderr that eps anneals over the given iterations, and it does (metrics eps)', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, sine());
    const out = join(dir, 'run');
    const { code, stderr } = await terrarium([
      'train',
      '--config',
      config,
      '--out',
      out,
      '--iterations',
      '3',
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      "terrarium: --iterations 3: eps anneals from 0.8 to 0.2 over these 3 iterations instead of the config's 20 " +
        "(to keep the config's schedule and stop after 3, use --stop-after 3)\n",
    );
    expect(readMetrics(out).map((m) => m.eps)).toEqual([0.8, 0.5, 0.2].map((e) => expect.closeTo(e, 12)));
  });

  it("--stop-after keeps the config's schedule (no notice), as the notice says", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, sine());
    const out = join(dir, 'run');
    const { code, stderr } = await terrarium([
      'train',
      '--config',
      config,
      '--out',
      out,
      '--stop-after',
      '3',
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('--iterations');
    expect(readMetrics(out).map((m) => m.eps)).toEqual(
      [0, 1, 2].map((i) => expect.closeTo(0.8 - (0.6 * i) / 19, 12)),
    );
  });

  it('says nothing where eps does not anneal', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, sine({ outer: { eps0: 0.5, eps1: 0.5 } }));
    const { code, stderr } = await terrarium([
      'train',
      '--config',
      config,
      '--out',
      join(dir, 'r'),
      '--iterations',
      '2',
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('--iterations');
  });
});

describe('iterations are shown from 1 where metrics.jsonl counts from 0', () => {
  it('each metrics line with iteration i is printed as "iter i+1/N", and a resume says where it goes on', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, sine({ iterations: 4 }));
    const out = join(dir, 'run');
    const first = await terrarium(['train', '--config', config, '--out', out, '--stop-after', '2']);
    expect(first.code, first.stderr).toBe(0);
    const resumed = await terrarium(['train', '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/\(resuming at iter 3\/4\)$/m);
    const printed = `${first.stdout}${resumed.stdout}`.match(/^iter \d+\/4(?= )/gm);
    expect(printed).toEqual(readMetrics(out).map((m) => `iter ${m.iteration + 1}/4`));
    expect(readMetrics(out).map((m) => m.iteration)).toEqual([0, 1, 2, 3]);
  });
});

describe('progress inside the first iteration', () => {
  it('prints each adapted task of the first iteration, its env steps adding up to the metrics line', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const { code, stdout, stderr } = await terrarium([
      'train',
      '--config',
      writeConfig(dir, ballNav),
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    const jobLines = lines.filter((line) => line.startsWith('  iter '));
    expect(jobLines.map((line) => line.replace(/, \d+ env steps$/, ''))).toEqual([
      '  iter 1/2: tasks adapted 1/3',
      '  iter 1/2: tasks adapted 2/3',
      '  iter 1/2: tasks adapted 3/3',
    ]);
    // Before the iteration's own line, and only for the first iteration.
    expect(lines.indexOf(jobLines[2]!)).toBeLessThan(lines.findIndex((line) => line.startsWith('iter 1/2 ')));
    const steps = jobLines.map((line) => Number(line.match(/, (\d+) env steps$/)![1]));
    expect(steps[0]).toBeGreaterThan(0);
    expect(steps[1]).toBeGreaterThan(steps[0]!);
    expect(steps[2]).toBe(readMetrics(out)[0]!.envSteps);
  });
});
