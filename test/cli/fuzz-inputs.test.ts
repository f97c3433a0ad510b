import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../meta/helpers.js';

async function cli(argv: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(['node', 'terrarium', ...argv]), stderr };
  } finally {
    process.stderr.write = write;
    process.exitCode = undefined;
  }
}

describe('fuzzed inputs end in a valid result or a named error', () => {
  it('an empty --out / --run / --config is a usage error naming the flag (was a raw ENOENT, exit 1)', async () => {
    const dir = tempDir();
    const config = join(dir, 'sine.json');
    writeFileSync(config, JSON.stringify({ env: 'sine', iterations: 1, workers: 0 }));
    for (const [argv, flag] of [
      [['train', '--config', config, '--out', ''], '--out'],
      [['train', '--config', ' '], '--config'],
      [['eval', '--run', ''], '--run'],
      [['pretrain', '--run', ''], '--run'],
      [['view', '--run', ''], '--run'],
    ] as const) {
      const result = await cli([...argv]);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(
        new RegExp(`^terrarium: ${flag}: expected a path, got "\\s*"; see terrarium ${argv[0]} --help\n$`),
      );
    }
  });

  // scripts/fuzz-inputs.ts with a few hundred cases of the tasks and CLI flags kinds (10,000 each in docs/robustness.md).
  it('300 task and 300 CLI-flag cases: no crash, no hang', async () => {
    const output = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/fuzz-inputs.ts', '--cases', '300', '--kinds', 'task,cli'],
        { encoding: 'utf8' },
        (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
      );
    });
    expect(output.stdout).toMatch(/^task: cases 300, .*crashes 0, hangs 0/m);
    expect(output.stdout).toMatch(/^cli: cases 300, .*crashes 0, hangs 0/m);
    expect(output.code, output.stdout).toBe(0);
  }, 120_000);
});
