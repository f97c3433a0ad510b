import { execFile } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `terrarium` CLI (bin/terrarium.js over dist/, as users run it; `npm test` builds first).
 * Resolves with the exit code and output instead of throwing on a non-zero exit.
 */
export function terrarium(
  args: string[],
  options: { timeout?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/terrarium.js', ...args],
      { encoding: 'utf8', timeout: options.timeout ?? 120_000, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
