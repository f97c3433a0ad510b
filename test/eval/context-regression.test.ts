import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { envEntry } from '../../src/envs/registry.js';
import type { RlTrainConfig } from '../../src/meta/config.js';
import type { ContextRegressionReport } from '../../src/meta/eval/context-regression.js';
import { taskParameters } from '../../src/meta/eval/task-parameters.js';
import { tempDir, tinyBallNav, train } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';

/** A tiny ball-nav run with CAVIA-style context adaptation (2 context numbers), 2 iterations. */
const contextConfig = () =>
  tinyBallNav({
    inner: {
      steps: 1,
      episodesPerUpdate: 2,
      measureFinal: false,
      learner: { algo: 'context', lr: 2, sigma: 0.5 },
      weights: { updates: 1, learner: { algo: 'ppo', updateEpochs: 1, numMinibatches: 1 } },
    },
    policy: { hiddenSizes: [8], activation: 'relu', contextDim: 2, valueFunction: true },
  }) as RlTrainConfig;

/** Every numeric leaf of a task, by its JSON path (goal.position.0, dynamics.friction, ...). */
function leaves(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => leaves(v, path ? `${path}.${key}` : key));
}

describe('terrarium eval --context-regression', () => {
  let run: string;
  beforeAll(async () => {
    run = tempDir();
    await train(contextConfig(), run);
  });

  it('writes the R^2 of every task parameter that varies over the held-out tasks, a table and a plot', async () => {
    const args = [
      'eval',
      '--run',
      run,
      '--context-regression',
      '--tasks',
      '10',
      '--seeds',
      '2',
      '--folds',
      '5',
    ];
    const { code, stdout, stderr } = await terrarium(args);
    expect(code, stderr).toBe(0);
    const dir = join(run, 'eval');
    for (const ext of ['json', 'md', 'svg', 'png'])
      expect(existsSync(join(dir, `context-regression.${ext}`))).toBe(true);
    const report = JSON.parse(
      readFileSync(join(dir, 'context-regression.json'), 'utf8'),
    ) as ContextRegressionReport;
    expect(report).toMatchObject({ env: 'ball-nav', tasks: 10, seeds: 2, k: 1, contextDim: 2, folds: 5 });
    expect(report.samples).toHaveLength(20);
    for (const s of report.samples) expect(s.context).toHaveLength(2);
    // The held-out tasks' numbers that vary, read from the tasks themselves: goal x, y, mass and friction.
    const heldOut = envEntry('ball-nav').distribution({}).testTasks(10);
    const varying = new Set(
      leaves(heldOut[0])
        .map(([path]) => path)
        .filter((path) => new Set(heldOut.map((t) => new Map(leaves(t)).get(path))).size > 1),
    );
    expect([...varying].sort()).toEqual([
      'dynamics.friction',
      'dynamics.massScale',
      'goal.position.0',
      'goal.position.1',
    ]);
    const names = report.fits.map((f) => f.parameter.replace('.x', '.0').replace('.y', '.1'));
    expect(names.sort()).toEqual([...varying].sort());
    for (const f of report.fits) expect(Number.isFinite(f.r2)).toBe(true);
    // Every reported R^2 is in the table, and the plot has a panel per parameter.
    const table = readFileSync(join(dir, 'context-regression.md'), 'utf8');
    for (const f of report.fits) expect(table).toContain(`| \`${f.parameter}\` | ${f.r2.toFixed(3)} |`);
    expect(stdout).toContain(report.fits[0]!.parameter);
    const svg = readFileSync(join(dir, 'context-regression.svg'), 'utf8');
    for (const f of report.fits) expect(svg).toContain(`${f.parameter}: R^2 ${f.r2.toFixed(2)}`);
  });

  it('--json prints the fits; a run without a context learner is refused naming the flag', async () => {
    const json = await terrarium([
      'eval',
      '--run',
      run,
      '--context-regression',
      '--tasks',
      '6',
      '--seeds',
      '1',
      '--json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
    expect(printed).toMatchObject({ env: 'ball-nav', tasks: 6, seeds: 1, k: 1 });
    expect(printed.fits.length).toBeGreaterThan(0);
    // On 2 worker threads the adapted contexts, and so the fits, are the same.
    const args = ['eval', '--run', run, '--context-regression', '--tasks', '6', '--seeds', '1', '--json'];
    const threaded = await terrarium([...args, '--workers', '2']);
    expect(threaded.code, threaded.stderr).toBe(0);
    expect(JSON.parse(threaded.stdout.trim().split('\n').at(-1)!).fits).toEqual(printed.fits);

    const plain = tempDir();
    await train(tinyBallNav({ iterations: 1 }), plain);
    const refused = await terrarium(['eval', '--run', plain, '--context-regression']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `--context-regression: expected a run whose inner learner is "context" (this one: "vpg"), got "${plain}"`,
    );
    const folds = await terrarium(['eval', '--run', run, '--folds', '3']);
    expect(folds.stderr).toContain('--folds: expected unset without --context-regression, got 3');
  });
});

describe('the task parameters a context is regressed on', () => {
  it('a legged task: goal, dynamics, crippled leg, terrain kind, and each kind parameter (0 on other ground)', () => {
    const dynamics = { massScale: 1.5, friction: 0.4, motorStrength: 0.9, jointDamping: 1, gravityScale: 1 };
    const stairs = taskParameters({
      goal: { kind: 'direction', direction: [-1, 0] },
      dynamics: { ...dynamics, crippledLeg: 2 },
      terrain: { kind: 'stairs', stepHeight: 0.12, stepWidth: 0.8 },
    });
    expect(stairs).toMatchObject({
      'goal.direction.x': -1,
      'goal.direction.y': 0,
      'dynamics.massScale': 1.5,
      'dynamics.friction': 0.4,
      'dynamics.motorStrength': 0.9,
      'dynamics.crippled': 1,
      'dynamics.crippledLeg=2': 1,
      'dynamics.crippledLeg=0': 0,
      'terrain.kind=stairs': 1,
      'terrain.kind=slope': 0,
      'terrain.stairs.stepHeight': 0.12,
      'terrain.stairs.stepWidth': 0.8,
      'terrain.slope.angle': 0,
      'terrain.rough.amplitude': 0,
    });
    const slope = taskParameters({
      goal: { kind: 'velocity', velocity: 1.2, direction: [1, 0] },
      dynamics,
      terrain: { kind: 'slope', angle: -0.2 },
    });
    expect(slope).toMatchObject({
      'goal.velocity': 1.2,
      'terrain.slope.angle': -0.2,
      'terrain.stairs.stepHeight': 0,
    });
    // Tasks of distributions without crippled legs have no crippled-leg parameters at all.
    expect(Object.keys(slope).some((name) => name.startsWith('dynamics.crippled'))).toBe(false);
  });
});
