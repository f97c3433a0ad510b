import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { readMetrics, sineConfigFile, tempDir } from '../meta/helpers.js';
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
  return sineConfigFile(
    dir,
    {
      iterations: 1_000_000,
      metaBatchSize: 1,
      hidden: undefined,
      inner: { steps: 5, lr: 0.02, points: 10, batchSize: 10 },
      evaluation: undefined,
      checkpointEvery: 100_000,
    },
    'config-in.json',
  );
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

  it("pretrain: SIGTERM mid-run exits 143 with the baseline's checkpoint, and --resume continues it", async () => {
    const dir = tempDir();
    const config = join(dir, 'ball-nav.json');
    writeFileSync(
      config,
      JSON.stringify({
        env: 'ball-nav',
        iterations: 50,
        metaBatchSize: 2,
        maxEpisodeSteps: 20,
        inner: { steps: 1, episodesPerUpdate: 2, learner: { algo: 'vpg', alpha: 0.3, baseline: 'linear' } },
        policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
        checkpointEvery: 1,
        workers: 0,
        backend: 'cpu',
      }),
    );
    const run = join(dir, 'run');
    const trained = await terrarium(['train', '--config', config, '--out', run, '--stop-after', '1']);
    expect(trained.code, trained.stderr).toBe(0);
    // The baseline's cap is 4 x 50 iterations: far more than the test lets it run.
    const pretrain = ['pretrain', '--run', run, '--env-steps', '100000000'];
    expect(await stopMidRun(pretrain, /^iter 1\/200 /m, 'SIGTERM')).toBe(143);
    const baseline = join(run, 'pretrained');
    const stopped = await loadLatestCheckpoint(baseline);
    expect(stopped.iteration).toBeGreaterThan(0);
    expect(readMetrics(baseline)).toHaveLength(stopped.iteration);
    expect(
      await stopMidRun(
        [...pretrain, '--resume'],
        new RegExp(`^iter ${stopped.iteration + 2}/200 `, 'm'),
        'SIGINT',
      ),
    ).toBe(130);
    const resumed = await loadLatestCheckpoint(baseline);
    expect(resumed.iteration).toBeGreaterThan(stopped.iteration);
    // One metrics line per iteration, none lost or repeated across the stop.
    expect(readMetrics(baseline).map((m) => m.iteration)).toEqual([...Array(resumed.iteration).keys()]);
  });

  it('train-task: SIGTERM mid-run exits 143 and saves the policy trained so far, which rollout loads', async () => {
    const out = join(tempDir(), 'task');
    const args = ['train-task', '--env', 'ball-nav', '--algo', 'vpg', '--steps', '100000000', '--out', out];
    const code = await stopMidRun([...args, '--backend', 'cpu'], /update 1\s/, 'SIGTERM');
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
