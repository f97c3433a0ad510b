import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** What a benchmark prints about where it ran: machine, Node, commit. */
export function machineInfo(): {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  commit: string;
} {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout (e.g. an installed package)
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    commit,
  };
}
