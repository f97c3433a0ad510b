import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findCheckpoint, loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { readCheckpointBytes } from '../../src/meta/checkpoint-file.js';
import { readMetrics, sineConfigFile, tempDir } from './helpers.js';

// A child `terrarium train` (the built CLI) kills itself with SIGKILL at a named point of its second checkpoint
// write (the TERRARIUM_FAULT hook, src/core/fault-point.ts): every window of the write is hit on every run.
// The default small sine config (sineConfigFile) with 3 checkpoints kept and a wider layer.
const CONFIG = { hidden: [16], inner: { steps: 2, lr: 0.02, points: 10, batchSize: 5 }, keepCheckpoints: 3 };

function trainCli(args: string[], fault?: string): Promise<{ code: number | null; signal: string | null }> {
  const env = { ...process.env, TERRARIUM_FAULT: fault ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/terrarium.js', 'train', ...args], { env }, (error) => {
      resolve({ code: error ? (error.code as number | null) : 0, signal: error?.signal ?? null });
    });
  });
}

async function newRun(fault?: string) {
  const dir = tempDir();
  const config = sineConfigFile(dir, CONFIG, 'config-in.json');
  const run = join(dir, 'run');
  return { run, result: await trainCli(['--config', config, '--out', run], fault) };
}

/** What the run's checkpoint directory holds: final names, temp files by target, what `latest` says. */
function onDisk(run: string) {
  const dir = join(run, 'checkpoints');
  const names = readdirSync(dir);
  return {
    checkpoints: names.filter((n) => /^ckpt-\d{6}\.json$/.test(n)).sort(),
    temps: names.filter((n) => n.includes('.tmp-')).map((n) => n.replace(/\.tmp-[0-9a-f]+$/, '')),
    latest: names.includes('latest') ? readFileSync(join(dir, 'latest'), 'utf8').trim() : null,
  };
}

const C1 = 'ckpt-000001.json';
const C2 = 'ckpt-000002.json';

// The second checkpoint's write, window by window: what a crash there must leave on disk.
const WINDOWS = [
  { point: 'checkpoint.temp-written', checkpoints: [C1], temps: [C2], latest: C1, resumesAt: 1 },
  { point: 'checkpoint.renamed', checkpoints: [C1, C2], temps: [], latest: C1, resumesAt: 2 },
  { point: 'checkpoint.verified', checkpoints: [C1, C2], temps: [], latest: C1, resumesAt: 2 },
  { point: 'latest.temp-written', checkpoints: [C1, C2], temps: ['latest'], latest: C1, resumesAt: 2 },
  { point: 'latest.renamed', checkpoints: [C1, C2], temps: [], latest: C2, resumesAt: 2 },
];

describe('checkpoint writes are atomic under kill -9 at every named point', () => {
  let straight: string;
  beforeAll(async () => {
    const { run, result } = await newRun();
    expect(result).toEqual({ code: 0, signal: null });
    straight = run;
  });

  it.each(WINDOWS)(
    'killed at $point: latest names a verified checkpoint, resume loses nothing more',
    async (w) => {
      const { run, result } = await newRun(`${w.point}@2`);
      expect(result.signal, 'the child died at the fault point').toBe('SIGKILL');
      // Nothing under a final name is torn: `latest` names a checkpoint that verifies, so does every other, none is
      // skipped on loading.
      const disk = onDisk(run);
      for (const name of [disk.latest ?? 'latest (missing)', ...disk.checkpoints]) {
        const bytes = readFileSync(join(run, 'checkpoints', name));
        const read = readCheckpointBytes(bytes);
        expect(read.ok && read.verified, `${name}: ${read.ok ? 'unverified' : read.reason}`).toBe(true);
      }
      const found = await findCheckpoint(run);
      expect(found?.skipped).toEqual([]);
      expect(found?.checkpoint.iteration).toBe(w.resumesAt);
      // The hook fired inside the named window.
      expect(disk).toEqual({ checkpoints: w.checkpoints, temps: w.temps, latest: w.latest });
      // Only the iteration whose checkpoint was being written may be lost: resuming ends where a straight run does.
      expect(await trainCli(['--out', run, '--resume'])).toEqual({ code: 0, signal: null });
      const metrics = (dir: string) => readMetrics(dir).map((m) => [m.iteration, m.eps, m.taskReturns]);
      expect(metrics(run)).toEqual(metrics(straight));
      const [a, b] = await Promise.all([loadLatestCheckpoint(straight), loadLatestCheckpoint(run)]);
      expect(b.iteration).toBe(3);
      expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    },
  );

  it('the hook kills only the n-th time its point is reached', async () => {
    const { result } = await newRun('checkpoint.renamed@99');
    expect(result).toEqual({ code: 0, signal: null });
  });
});
