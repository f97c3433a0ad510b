import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { readMetrics, tempDir } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';

/** Starts the built CLI, waits until `ready` matches its output, sends `signal`; resolves to the exit code. */
async function stopMidRun(args: string[], ready: RegExp, signal: NodeJS.Signals): Promise<number | null> {
  const child: ChildProcess = spawn(process.execPath, ['bin/terrarium.js', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  while (!ready.test(output)) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${ready}: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill(signal);
  return exit;
}

function longSineConfig(dir: string): string {
  const path = join(dir, 'config-in.json');
  writeFileSync(
    path,
    JSON.stringify({
      env: 'sine',
      iterations: 1_000_000,
      metaBatchSize: 1,
      inner: { steps: 5, lr: 0.02, points: 10, batchSize: 10 },
      checkpointEvery: 100_000,
      workers: 0,
    }),
  );
  return path;
}

describe('SIGTERM (docker stop, job schedulers) saves like Ctrl-C', () => {
  it('train: SIGTERM mid-run exits 143 with an intact checkpoint, and --resume continues the same run', async () => {
    const dir = tempDir();
    const config = longSineConfig(dir);
    const out = join(dir, 'run');
    const code = await stopMidRun(
      ['train', '--config', config, '--out', out],
      /iter \d+\/1000000/,
      'SIGTERM',
    );
    expect(code).toBe(143);
    const stopped = await loadLatestCheckpoint(out);
    expect(stopped.iteration).toBeGreaterThan(0);
    expect(readMetrics(out)).toHaveLength(stopped.iteration);

    const until = String(stopped.iteration + 3);
    const resumed = await terrarium(['train', '--out', out, '--resume', '--stop-after', until]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const straight = join(dir, 'straight');
    const whole = await terrarium(['train', '--config', config, '--out', straight, '--stop-after', until]);
    expect(whole.code, whole.stderr).toBe(0);
    expect((await loadLatestCheckpoint(out)).iteration).toBe(stopped.iteration + 3);
    expect(readMetrics(out).map((m) => [m.iteration, m.taskReturns])).toEqual(
      readMetrics(straight).map((m) => [m.iteration, m.taskReturns]),
    );
  });

  it('train-task: SIGTERM mid-run exits 143 and saves the policy trained so far, which rollout loads', async () => {
    const out = join(tempDir(), 'task');
    const args = ['train-task', '--env', 'ball-nav', '--algo', 'vpg', '--steps', '100000000', '--out', out];
    const code = await stopMidRun([...args, '--backend', 'cpu'], /update 1\//, 'SIGTERM');
    expect(code).toBe(143);
    expect(existsSync(join(out, 'policy'))).toBe(true);
    const rollout = await terrarium([
      'rollout',
      '--env',
      'ball-nav',
      '--policy',
      join(out, 'policy'),
      '--json',
    ]);
    expect(rollout.code, rollout.stderr).toBe(0);
    expect(JSON.parse(rollout.stdout)).toMatchObject({ env: 'ball-nav', steps: 100 });
  });
});
