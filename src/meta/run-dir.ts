/**
 * A run directory is never overwritten by mistake: `train` without `--resume` needs a new or empty directory, and
 * `--force` (starting over on purpose) deletes the trainer's own files there first (config.json, robot.json,
 * metrics.jsonl, checkpoints/, sine-eval.json); anything else in the directory is left alone.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TerrariumError } from '../core/errors.js';

const OWN_FILES = ['checkpoints', 'metrics.jsonl', 'config.json', 'robot.json', 'sine-eval.json'];

/** Throws unless `runDir` is absent or empty (or `force` is set); changes nothing on disk. */
export async function checkNewRunDir(runDir: string, force = false): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(runDir)).isDirectory()) {
      throw new TerrariumError('--out', runDir, 'a directory (this is a file)');
    }
    entries = await readdir(runDir);
  } catch (error) {
    if (error instanceof TerrariumError) throw error;
    return;
  }
  if (entries.length === 0 || force) return;
  const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? ', ...' : '');
  throw new TerrariumError(
    '--out',
    runDir,
    'a new or empty run directory',
    `it holds ${shown}: continue that run with --resume, or train into a new --out; --force starts it over`,
  );
}

/** `--force`: deletes the trainer's files of an earlier run in `runDir`. */
export async function clearRunDir(runDir: string): Promise<void> {
  await Promise.all(OWN_FILES.map((name) => rm(join(runDir, name), { recursive: true, force: true })));
}
