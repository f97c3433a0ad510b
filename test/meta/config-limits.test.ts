import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import { parseTrainConfig } from '../../src/meta/config.js';
import { LIMITS } from '../../src/meta/config-limits.js';
import { terrarium } from '../run-cli.js';
import { tempDir } from './helpers.js';

const ballNav = JSON.parse(readFileSync('configs/ball-nav/ablations/reptile.json', 'utf8'));
const sine = {
  env: 'sine',
  iterations: 3,
  metaBatchSize: 2,
  hidden: [8],
  inner: { steps: 2, lr: 0.02, points: 10, batchSize: 10 },
};

function rejection(input: unknown): string {
  try {
    parseTrainConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(TerrariumError);
    return (error as TerrariumError).message;
  }
  throw new Error('expected the config to be rejected');
}

const set = (base: object, path: string, value: unknown) => {
  const input = structuredClone(base) as Record<string, unknown>;
  const keys = path.split('.');
  let node = input;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return input;
};

describe('every count in a train config has an upper bound, named in the error', () => {
  it.each([
    ['inner.episodesPerUpdate', 1e7, ballNav, `an integer in [1, ${LIMITS.episodesPerUpdate}]`],
    ['inner.episodesPerUpdate', 1e308, ballNav, `an integer in [1, ${LIMITS.episodesPerUpdate}]`],
    ['metaBatchSize', 1e7, ballNav, `an integer in [1, ${LIMITS.metaBatchSize}]`],
    ['metaBatchSize', 1e308, sine, `an integer in [1, ${LIMITS.metaBatchSize}]`],
    ['inner.steps', 1e15, ballNav, `an integer in [1, ${LIMITS.innerSteps}]`],
    ['maxEpisodeSteps', 1e12, ballNav, `an integer in [1, ${LIMITS.maxEpisodeSteps}]`],
    ['checkpointEvery', 1e308, sine, `an integer in [1, ${LIMITS.iterations}]`],
    ['iterations', 1e9, sine, `an integer in [1, ${LIMITS.iterations}]`],
    ['inner.numEnvs', 1e6, ballNav, `an integer in [1, ${LIMITS.numEnvs}]`],
    ['keepCheckpoints', 1e6, sine, `an integer in [1, ${LIMITS.keepCheckpoints}]`],
    ['inner.points', 1e9, sine, `an integer in [1, ${LIMITS.sinePoints}]`],
    ['inner.learner.valueEpochs', 1e9, ballNav, 'a value <= 10000'],
    ['tasks.trainSize', 1e9, { ...ballNav, tasks: {} }, 'a value <= 100000'],
  ])('%s: %d', (path, value, base, expected) => {
    expect(rejection(set(base, path, value))).toBe(`${path}: expected ${expected}, got ${value}`);
  });

  it('counts within their bounds but too big together are refused, naming the field and the memory', () => {
    const wide = { ...sine, hidden: [4096, 4096], metaBatchSize: 10_000 };
    expect(rejection(wide)).toMatch(
      /^metaBatchSize: expected at most \d+ with inner.steps 2 and \d+ parameters .* over 8 GiB/,
    );
    const long = set(set(ballNav, 'inner.episodesPerUpdate', 10_000), 'maxEpisodeSteps', 100_000);
    expect(rejection(long)).toMatch(
      /^inner.episodesPerUpdate: expected at most \d+ with 100000 steps an episode/,
    );
  });

  it('the CLI refuses metaBatchSize 1e308 with exit 2 and one line (not "Invalid array length")', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ ...sine, metaBatchSize: 1e308 }));
    const result = await terrarium(['train', '--config', join(dir, 'c.json'), '--out', join(dir, 'run')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`terrarium: metaBatchSize: expected an integer in [1, 10000], got 1e+308\n`);
  });

  it('any count set to any integer is accepted within bounds or refused with a named error', () => {
    const counts = [
      'iterations',
      'metaBatchSize',
      'checkpointEvery',
      'keepCheckpoints',
      'maxEpisodeSteps',
      'inner.steps',
      'inner.episodesPerUpdate',
      'inner.numEnvs',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...counts),
        fc.oneof(fc.integer(), fc.integer({ min: 0, max: 2e6 }), fc.constantFrom(1e308, 2 ** 53, -0, 1e7)),
        (path, value) => {
          try {
            const config = parseTrainConfig(set(ballNav, path, value)) as Record<string, unknown>;
            expect(value).toBeGreaterThanOrEqual(1);
            expect(config).toBeDefined();
          } catch (error) {
            expect(error).toBeInstanceOf(TerrariumError);
            // A count within its bound may still be refused for the memory it takes with the others.
            expect([path, 'metaBatchSize', 'inner.episodesPerUpdate']).toContain(
              (error as TerrariumError).path,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
