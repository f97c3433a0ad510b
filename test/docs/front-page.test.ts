import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8').split('\n');
const lineOf = (pattern: RegExp) => readme.findIndex((line) => pattern.test(line)) + 1;

describe('the README is a front page', () => {
  it('fits in about 200 lines, with the scoreboard on the first screen', () => {
    expect(readme.length).toBeLessThanOrEqual(200);
    const scoreboard = lineOf(/^\| experiment \| best recipe \|/);
    expect(scoreboard).toBeGreaterThan(0);
    expect(scoreboard).toBeLessThanOrEqual(40);
  });

  it('gives the two commands, the test command being the one CI runs', () => {
    expect(lineOf(/^npm start\b/)).toBeGreaterThan(0);
    expect(lineOf(/^npm test\b/)).toBeGreaterThan(0);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/\bnpm test\b/);
  });

  it('has a scoreboard row for every experiment folder in configs/, naming its config', () => {
    const experiments = readdirSync('configs', { withFileTypes: true }).filter((entry) =>
      entry.isDirectory(),
    );
    expect(experiments.length).toBeGreaterThan(0);
    for (const { name: experiment } of experiments) {
      const row = readme.find((line) => line.startsWith(`| ${experiment} (`));
      expect(row, experiment).toContain(`configs/${experiment}/`);
    }
  });
});
