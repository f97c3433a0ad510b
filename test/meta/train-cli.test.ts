import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terrarium as run } from '../run-cli.js';
import { tempDir } from './helpers.js';

const terrarium = (...args: string[]) => run(args);

/** A sine config small enough for a CLI test, as JSON a user would write. */
const sineConfig = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    env: 'sine',
    iterations: 3,
    metaBatchSize: 2,
    hidden: [8],
    inner: { steps: 2, lr: 0.02, points: 10, batchSize: 10 },
    evaluation: { steps: 4, points: 10, tasks: 3 },
    ...overrides,
  });

describe('terrarium train', () => {
  it('a bad config exits 2 with one line naming the field', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.json');
    writeFileSync(path, sineConfig({ inner: { steps: -3, lr: 0.02, points: 10, batchSize: 10 } }));
    const result = await terrarium('train', '--config', path);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('terrarium: inner.steps: expected an integer in [1, 100000], got -3\n');
  });

  it('--resume --iterations N extends a run whose eps does not anneal, and refuses an annealed one', async () => {
    const dir = tempDir();
    const sine = (outer: object) => sineConfig({ iterations: 2, outer, workers: 0 });
    writeFileSync(join(dir, 'flat.json'), sine({ eps0: 0.5, eps1: 0.5 }));
    writeFileSync(join(dir, 'annealed.json'), sine({ eps0: 1, eps1: 0 }));
    for (const name of ['flat', 'annealed']) {
      const out = join(dir, name);
      expect((await terrarium('train', '--config', join(dir, `${name}.json`), '--out', out)).code).toBe(0);
    }
    const extended = await terrarium(
      'train',
      '--out',
      join(dir, 'flat'),
      '--resume',
      '--iterations',
      '3',
      '--json',
    );
    expect(extended.code, extended.stderr).toBe(0);
    expect(JSON.parse(extended.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      iterations: 3,
      stopped: false,
    });
    const refused = await terrarium('train', '--out', join(dir, 'annealed'), '--resume', '--iterations', '3');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/a config whose iterations differ/);
  });

  it('trains the sine toy and reports the few-shot test as JSON', async () => {
    const dir = tempDir();
    const path = join(dir, 'sine.json');
    writeFileSync(path, sineConfig());
    const result = await terrarium(
      'train',
      '--config',
      path,
      '--out',
      join(dir, 'run'),
      '--json',
      '--workers',
      '0',
    );
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.filter((l) => l.type === 'metrics')).toHaveLength(3);
    const summary = lines.at(-1);
    expect(summary).toMatchObject({ type: 'summary', iterations: 3, stopped: false });
    expect(summary.sine.metaCurve).toHaveLength(5);
  });
});
