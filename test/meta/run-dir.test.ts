import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terrarium } from '../run-cli.js';
import { sineConfigFile, tempDir } from './helpers.js';

/** A sine config small enough for a CLI test, as JSON a user would write. */
const sineConfig = (dir: string): string => sineConfigFile(dir, { iterations: 6 });

/** Every file of a run directory with its contents. */
function snapshot(run: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of ['config.json', 'metrics.jsonl']) files[name] = readFileSync(join(run, name), 'utf8');
  for (const name of readdirSync(join(run, 'checkpoints')))
    files[name] = readFileSync(join(run, 'checkpoints', name), 'utf8');
  return files;
}

describe('a run directory is never overwritten by mistake', () => {
  it('train into a non-empty --out without --resume refuses (exit 2), naming the directory and the ways on', async () => {
    const dir = tempDir();
    const config = sineConfig(dir);
    const run = join(dir, 'run');
    expect((await terrarium(['train', '--config', config, '--out', run, '--stop-after', '4'])).code).toBe(0);
    const before = snapshot(run);
    const again = await terrarium(['train', '--config', config, '--out', run]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(JSON.stringify(run));
    expect(again.stderr).toMatch(/--resume.*new --out.*--force/);
    expect(snapshot(run)).toEqual(before);
  });

  it('--force starts over: the earlier checkpoints and metrics are gone, other files stay', async () => {
    const dir = tempDir();
    const config = sineConfig(dir);
    const run = join(dir, 'run');
    await terrarium(['train', '--config', config, '--out', run, '--stop-after', '5']);
    writeFileSync(join(run, 'notes.txt'), 'mine');
    const forced = await terrarium([
      'train',
      '--config',
      config,
      '--out',
      run,
      '--force',
      '--stop-after',
      '2',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual([
      'ckpt-000001.json',
      'ckpt-000002.json',
      'latest',
    ]);
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(join(run, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('a bad --token with --view fails before anything on disk changes', async () => {
    const dir = tempDir();
    const config = sineConfig(dir);
    const run = join(dir, 'run');
    await terrarium(['train', '--config', config, '--out', run, '--stop-after', '3']);
    // A line past the checkpoint, which a resume that got under way would drop.
    writeFileSync(join(run, 'metrics.jsonl'), `${readFileSync(join(run, 'metrics.jsonl'), 'utf8')}{"iter`);
    const before = snapshot(run);
    const result = await terrarium(['train', '--out', run, '--resume', '--view', '--token', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^terrarium: token: expected 8 to 128 characters/);
    expect(snapshot(run)).toEqual(before);
  });

  it('--resume with --force is a usage error', async () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    await terrarium(['train', '--config', sineConfig(dir), '--out', run, '--stop-after', '1']);
    const result = await terrarium(['train', '--out', run, '--resume', '--force']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--force .* --resume/);
  });
});
