import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { faultPoint } from './fault-point.js';

/**
 * Writes `bytes` to `path` so that `path` only ever holds a complete copy: a temp file beside it is written, synced,
 * read back and compared byte for byte, and only then renamed over `path` (and the directory synced). A short write
 * (a full disk, a file-size limit) throws and leaves `path` as it was. Temp files are `<name>.tmp-<hex>`.
 * With `fault`, the test hook's points `<fault>.temp-written` (before the rename) and `<fault>.renamed` (after it).
 */
export async function writeDurable(path: string, bytes: Buffer | string, fault?: string): Promise<void> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const back = await readFile(temp);
    if (!back.equals(data)) {
      throw new Error(`${temp}: read back ${back.byteLength} of ${data.byteLength} bytes differently`);
    }
    if (fault) faultPoint(`${fault}.temp-written`);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (fault) faultPoint(`${fault}.renamed`);
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot sync a directory; the rename is still atomic there.
  }
}
