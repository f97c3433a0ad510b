import { describe, expect, it } from 'vitest';
import { envEntry } from '../../src/envs/registry.js';
import { terrarium } from '../run-cli.js';

/** The paths of a task's leaves (arrays are leaves; a record's keys are `<body>`). */
function leafPaths(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [path];
  return Object.entries(value).flatMap(([key, child]) =>
    leafPaths(child, path.endsWith('bodyMassScale') ? `${path}.<body>` : path ? `${path}.${key}` : key),
  );
}

async function envRows(): Promise<{ id: string; taskParams: string[]; defaultTask: unknown }[]> {
  const { code, stdout, stderr } = await terrarium(['envs', '--json']);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout);
}

describe('terrarium envs: the task fields', () => {
  it("lists ball-nav's real field paths, without the dynamics a ball has no use for", async () => {
    const ballNav = (await envRows()).find((row) => row.id === 'ball-nav')!;
    expect(ballNav.taskParams).toEqual([
      'goal.kind',
      'goal.position',
      'dynamics.massScale',
      'dynamics.friction',
      'dynamics.motorStrength',
      'dynamics.gravityScale',
    ]);
  });

  it('lists every field that the legged envs’ sampled tasks (all terrains, per-body masses) set', async () => {
    const rows = await envRows();
    for (const id of ['cheetah', 'ant']) {
      const listed = rows.find((row) => row.id === id)!.taskParams;
      const distribution = envEntry(id).distribution({ perBodyMass: true });
      const tasks = [...distribution.sample(40, 1), rows.find((row) => row.id === id)!.defaultTask];
      const used = new Set(tasks.flatMap((task) => leafPaths(task)));
      expect(
        [...used].filter((path) => !listed.includes(path)),
        id,
      ).toEqual([]);
      expect(listed).toEqual(expect.arrayContaining(['terrain.kind', 'dynamics.massScale', 'goal.kind']));
    }
  });

  it('the text table names the fields under each env', async () => {
    const { stdout } = await terrarium(['envs']);
    expect(stdout).toMatch(/^ball-nav +goal\.kind, goal\.position$/m);
    expect(stdout).toMatch(
      /^ +dynamics\.massScale, dynamics\.friction, dynamics\.motorStrength, dynamics\.gravityScale$/m,
    );
  });
});

describe('a partial --task is completed from the default task, then validated', () => {
  const rollout = (task: string) =>
    terrarium([
      'rollout',
      '--env',
      'ball-nav',
      '--policy',
      'random',
      '--seed',
      '3',
      '--json',
      '--task',
      task,
    ]);

  it('{"dynamics":{"friction":0.3}} and the shorthand {"friction":0.3} run the whole task with that friction', async () => {
    const rows = await envRows();
    const whole = structuredClone(rows.find((row) => row.id === 'ball-nav')!.defaultTask) as {
      dynamics: { friction: number };
    };
    whole.dynamics.friction = 0.3;
    const [nested, shorthand, full, nominal] = await Promise.all([
      rollout('{"dynamics":{"friction":0.3}}'),
      rollout('{"friction":0.3}'),
      rollout(JSON.stringify(whole)),
      rollout('{}'),
    ]);
    for (const result of [nested, shorthand, full, nominal]) expect(result.code, result.stderr).toBe(0);
    expect(nested.stdout).toBe(full.stdout);
    expect(shorthand.stdout).toBe(full.stdout);
    expect(nominal.stdout).not.toBe(full.stdout); // friction matters: the merge did change the task
  });

  it('another goal kind replaces the default goal instead of merging into it', async () => {
    const { code, stderr } = await terrarium([
      'rollout',
      '--env',
      'ant',
      '--steps',
      '2',
      '--policy',
      'zero',
      '--task',
      '{"goal":{"kind":"velocity","velocity":1},"terrain":{"kind":"slope","angle":0.1}}',
    ]);
    expect(code, stderr).toBe(0);
  });

  it.each([
    ['{"frcition":0.3}', 'terrarium: task: expected no unknown field (unknown: frcition)'],
    [
      '{"dynamics":{"frcition":0.3}}',
      'terrarium: task.dynamics: expected no unknown field (unknown: frcition)',
    ],
    ['{"friction":9}', 'terrarium: task.dynamics.friction: expected a value <= 5, got 9'],
    ['{"friction":0.3,"dynamics":{"friction":1}}', 'terrarium: --task.friction: expected the field once'],
    ['[0.3]', 'terrarium: --task: expected a JSON object with some of the task fields, got [0.3]'],
  ])('%s is refused naming the field', async (task, message) => {
    const { code, stderr } = await rollout(task);
    expect(code).toBe(2);
    expect(stderr.startsWith(message), stderr).toBe(true);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
