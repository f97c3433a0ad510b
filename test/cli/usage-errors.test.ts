import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { terrarium } from '../run-cli.js';

describe('terrarium CLI: --version and usage errors', () => {
  it('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await terrarium([flag]);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(version);
    }
  });

  it.each([
    [
      ['train', '--iteratons', '3'],
      'terrarium: --iteratons: unknown option of "train" (did you mean --iterations?); see terrarium train --help',
    ],
    [['trian'], 'terrarium: trian: unknown command (did you mean train?); see terrarium --help'],
    [
      ['rollout', '--policy', 'zero'],
      'terrarium: --env: required by "rollout" but not given (--env <id>); see terrarium rollout --help',
    ],
    [
      ['rollout', '--env'],
      'terrarium: --env: expected a value (--env <id>), got none; see terrarium rollout --help',
    ],
    [['envs', 'ant'], 'terrarium: arguments: expected 0 for "envs", got 1; see terrarium envs --help'],
    [
      ['rollout', '--env', 'ant', '--steps', '0'],
      'terrarium: --steps: expected an integer >= 1, got "0"; see terrarium rollout --help',
    ],
  ])('%j: one "terrarium: field: ..." line with a --help hint, exit 2', async (args, line) => {
    const { code, stdout, stderr } = await terrarium(args);
    expect(code).toBe(2);
    expect(stderr).toBe(`${line}\n`);
    expect(stdout).toBe('');
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const { code, stderr } = await terrarium([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Usage: terrarium /);
    expect(stderr).not.toContain('terrarium: ');
  });

  it('--help still prints the help and exits 0', async () => {
    const { code, stdout } = await terrarium(['train', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--iterations <n>');
  });
});
