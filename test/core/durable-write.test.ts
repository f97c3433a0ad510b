import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeDurable } from '../../src/core/durable-write.js';
import { InjectedFault } from '../../src/core/fault-point.js';
import { tempDir } from '../meta/helpers.js';

// The in-process half of writeDurable's contract; the crash windows are test/meta/crash-atomicity.test.ts's.
describe('a durable write', () => {
  it('writes text as UTF-8 and bytes as they are, replacing what was there, and leaves no temp file', async () => {
    const dir = tempDir();
    const path = join(dir, 'latest');
    await writeDurable(path, 'ckpt-000001.json\n');
    expect(readFileSync(path, 'utf8')).toBe('ckpt-000001.json\n');
    await writeDurable(path, 'é\n');
    expect(readFileSync(path)).toEqual(Buffer.from([0xc3, 0xa9, 0x0a]));
    const bytes = Buffer.from([0, 255, 10, 13, 128]);
    await writeDurable(path, bytes);
    expect(readFileSync(path)).toEqual(bytes);
    await writeDurable(path, '');
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(readdirSync(dir)).toEqual(['latest']);
  });

  it('a write that cannot land throws and leaves the target as it was, and no temp file', async () => {
    const dir = tempDir();
    // A directory where the file should go: the rename over it fails after the temp file is written.
    const target = join(dir, 'checkpoint.json');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'kept');
    await expect(writeDurable(target, 'new contents')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['checkpoint.json']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('kept');
    // A missing directory: nothing can be opened, nothing is left behind.
    // The error is the open's, not a clean-up's of the temp file that was never made.
    await expect(writeDurable(join(dir, 'missing', 'x.json'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
    });
    expect(readdirSync(dir)).toEqual(['checkpoint.json']);
  });

  it('with a fault name but no TERRARIUM_FAULT in the environment, writes as without one', async () => {
    expect(process.env.TERRARIUM_FAULT ?? '').toBe('');
    const path = join(tempDir(), 'latest');
    await writeDurable(path, 'a\n', 'latest');
    expect(readFileSync(path, 'utf8')).toBe('a\n');
  });

  // Linux lists a process's open files in /proc/self/fd; a leaked handle per write would run a long run out of them.
  it.skipIf(!existsSync('/proc/self/fd'))(
    'closes every file it opens (the temp file and the directory)',
    async () => {
      const path = join(tempDir(), 'latest');
      await writeDurable(path, 'warm-up\n');
      const open = readdirSync('/proc/self/fd').length;
      for (let i = 0; i < 10; i++) await writeDurable(path, `${i}\n`);
      expect(readdirSync('/proc/self/fd').length).toBe(open);
    },
  );
  // The fault points in process (TERRARIUM_FAULT_MODE=throw): what is on disk at each point of a write.
  describe('at its fault points', () => {
    afterEach(() => {
      delete process.env.TERRARIUM_FAULT;
      delete process.env.TERRARIUM_FAULT_MODE;
    });
    const faultAt = (point: string): void => {
      process.env.TERRARIUM_FAULT = point;
      process.env.TERRARIUM_FAULT_MODE = 'throw';
    };

    it('before the rename the target still holds the old contents', async () => {
      const path = join(tempDir(), 'latest');
      writeFileSync(path, 'old\n');
      faultAt('a.temp-written');
      const error = await writeDurable(path, 'new\n', 'a').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InjectedFault);
      expect((error as InjectedFault).point).toBe('a.temp-written');
      expect(readFileSync(path, 'utf8')).toBe('old\n');
    });

    it('after the rename the target holds the new contents and no temp file is left', async () => {
      const dir = tempDir();
      const path = join(dir, 'latest');
      writeFileSync(path, 'old\n');
      faultAt('b.renamed');
      await expect(writeDurable(path, 'new\n', 'b')).rejects.toThrow(/fault injected at b\.renamed/);
      expect(readFileSync(path, 'utf8')).toBe('new\n');
      expect(readdirSync(dir)).toEqual(['latest']);
    });

    it('fires on the n-th time a point is reached, and only for its own write', async () => {
      const path = join(tempDir(), 'latest');
      faultAt('c.renamed@2');
      await writeDurable(path, '1\n', 'other');
      await writeDurable(path, '2\n', 'c');
      await expect(writeDurable(path, '3\n', 'c')).rejects.toBeInstanceOf(InjectedFault);
      expect(readFileSync(path, 'utf8')).toBe('3\n');
      await writeDurable(path, '4\n');
      expect(readFileSync(path, 'utf8')).toBe('4\n');
    });
  });
});
