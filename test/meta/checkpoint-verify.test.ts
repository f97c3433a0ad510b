import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { type CliResult, terrarium } from '../run-cli.js';
import { sineConfigFile, tempDir } from './helpers.js';

/** A sine run of `stopAfter` iterations (a checkpoint each) made with the CLI; its directory. */
async function sineRun(stopAfter: number, hidden = [8]): Promise<string> {
  const dir = tempDir();
  const config = sineConfigFile(dir, { iterations: 10, hidden, keepCheckpoints: 3 });
  const run = join(dir, 'run');
  const result = await terrarium([
    'train',
    '--config',
    config,
    '--out',
    run,
    '--stop-after',
    String(stopAfter),
  ]);
  expect(result.code, result.stderr).toBe(0);
  return run;
}

const ckpt = (run: string, iteration: number) =>
  join(run, 'checkpoints', `ckpt-${String(iteration).padStart(6, '0')}.json`);
const metricsOf = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8');
const resume = (run: string, stopAfter: number) =>
  terrarium(['train', '--out', run, '--resume', '--stop-after', String(stopAfter)]);

describe('checkpoints are verified; --resume says what it loads and never starts over', () => {
  it('a truncated or empty latest checkpoint is skipped, and said so; the newest that verifies is resumed', async () => {
    const run = await sineRun(4);
    truncateSync(ckpt(run, 4), 0);
    truncateSync(ckpt(run, 3), 300);
    const result = await resume(run, 5);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('skipped checkpoint ckpt-000004.json: empty file');
    expect(result.stderr).toMatch(
      /skipped checkpoint ckpt-000003.json: \d+ of \d+ payload bytes \(truncated/,
    );
    expect(result.stderr).toContain('resuming from checkpoint ckpt-000002.json (iteration 2)');
    expect(result.stderr).toContain('dropped 2 line(s) written after the checkpoint');
    expect(
      metricsOf(run)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).iteration),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('when no checkpoint verifies, --resume refuses (exit 2) naming each file, and changes nothing', async () => {
    const run = await sineRun(3);
    for (const i of [1, 2, 3]) truncateSync(ckpt(run, i), 50);
    const metrics = metricsOf(run);
    const result = await resume(run, 4);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/checkpoints: expected at least one checkpoint that verifies/);
    expect(result.stderr).toContain('ckpt-000001.json: 50 bytes, cut within its header line');
    expect(metricsOf(run)).toBe(metrics);
  });

  it('a `latest` naming a path outside the checkpoints directory is an error', async () => {
    const run = await sineRun(1);
    mkdirSync(join(run, '..', 'elsewhere'));
    writeFileSync(join(run, '..', 'elsewhere', 'ckpt-000009.json'), readFileSync(ckpt(run, 1)));
    writeFileSync(join(run, 'checkpoints', 'latest'), '../../elsewhere/ckpt-000009.json\n');
    const result = await resume(run, 2);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/checkpoints\/latest: expected the name of a checkpoint file beside it/);
    await expect(loadLatestCheckpoint(run)).rejects.toThrow(/latest: expected the name of a checkpoint file/);
  });

  it('metrics.jsonl is cut back line by line: a garbage line goes, every real line stays', async () => {
    const run = await sineRun(3);
    const lines = metricsOf(run).trim().split('\n');
    writeFileSync(join(run, 'metrics.jsonl'), `${[lines[0], lines[1], '{"garbage', lines[2]].join('\n')}\n`);
    const result = await resume(run, 4);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('dropped 1 unreadable line(s) (line 3)');
    expect(
      metricsOf(run)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).iteration),
    ).toEqual([0, 1, 2, 3]);
  });

  it('a checkpoint from before checksums still resumes (said unverified); one with NaN parameters is skipped', async () => {
    const run = await sineRun(2);
    const payload = (i: number) => readFileSync(ckpt(run, i), 'utf8').split('\n')[1]!;
    writeFileSync(ckpt(run, 1), payload(1));
    const nan = decodeJson(payload(2)) as { params: Float32Array };
    nan.params[0] = Number.NaN;
    writeFileSync(ckpt(run, 2), encodeJson(nan));
    const result = await resume(run, 3);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('skipped checkpoint ckpt-000002.json: NaN or infinite parameters');
    expect(result.stderr).toContain(
      'resuming from checkpoint ckpt-000001.json (iteration 1; written before checksums',
    );
    expect((await loadLatestCheckpoint(run)).iteration).toBe(3);
  });

  it('a checkpoint write cut short (a file-size limit) leaves no partial checkpoint, and `latest` at the last one', async () => {
    const run = await sineRun(2, [100, 100]);
    const limited = await new Promise<CliResult>((resolve) => {
      // 16 KiB per file: metrics lines and config.json fit, a checkpoint (about 55 KB) does not.
      const script =
        'trap "" XFSZ; ulimit -f 16; exec "$0" bin/terrarium.js train --out "$1" --resume --stop-after 3';
      execFile('bash', ['-c', script, process.execPath, run], { encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/ckpt-000003.json: checkpoint not written \(.*EFBIG/);
    expect(existsSync(ckpt(run, 3))).toBe(false);
    expect(readdirSync(join(run, 'checkpoints')).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(readFileSync(join(run, 'checkpoints', 'latest'), 'utf8')).toBe('ckpt-000002.json\n');
    const resumed = await resume(run, 3);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming from checkpoint ckpt-000002.json');
  });

  it('a corrupt config.json is an error naming the file', async () => {
    const run = await sineRun(1);
    writeFileSync(join(run, 'config.json'), '{"env": "sine", "iterat');
    const result = await resume(run, 2);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^terrarium: .*run\/config.json: expected valid JSON/);
  });
});
