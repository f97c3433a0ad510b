/**
 * docs/robots.md's walk-through, run as a user runs it: the dog spec and the train config are read out of the page,
 * written to a temp dir, and driven through the built CLI (and the viewer over a real WebSocket). Budgets are tiny:
 * this checks that every command builds the dog and that a run keeps using it, not that it learns to walk.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startView } from '../../src/cli/view-command.js';
import { terrarium } from '../run-cli.js';
import { connectClient, socketUrl } from '../server/clients.js';

/** The JSON block that follows `<!-- name -->` in docs/robots.md. */
function docBlock(name: string): string {
  const page = readFileSync('docs/robots.md', 'utf8');
  const match = page.match(new RegExp(`<!-- ${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``));
  if (!match) throw new Error(`docs/robots.md has no json block after <!-- ${name} -->`);
  return match[1]!;
}

type Vec3 = [number, number, number];
interface DogSpec {
  bodies: {
    name: string;
    position: Vec3;
    shapes: { type: string; at?: Vec3; from?: Vec3; to?: Vec3; radius?: number; halfExtents?: Vec3 }[];
  }[];
}
interface SceneShape {
  type: string;
  radius?: number;
  halfHeight?: number;
  halfExtents?: Vec3;
  offset: Vec3;
}

const dir = mkdtempSync(join(tmpdir(), 'terrarium-dog-'));
const file = (name: string) => join(dir, name);
const dog = JSON.parse(docBlock('dog.json')) as DogSpec;
writeFileSync(file('dog.json'), docBlock('dog.json'));
writeFileSync(file('dog-meta.json'), docBlock('dog-meta.json'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('the dog of docs/robots.md', () => {
  it('stands with no action and falls under random actions', async () => {
    const [zero, random] = await Promise.all(
      ['zero', 'random'].map((policy) =>
        terrarium(['rollout', '--env', 'ant', '--robot', file('dog.json'), '--policy', policy, '--json']),
      ),
    );
    expect(zero.stderr).toBe('');
    expect(json(zero.stdout)).toMatchObject({ steps: 200, truncated: true, terminated: false });
    expect(json(random.stdout)).toMatchObject({ terminated: true });
  }, 60_000);

  it('train-task --robot spends exactly its env steps; rollout --policy OUT runs on the recorded dog', async () => {
    const out = file('dog-walk');
    const trained = await terrarium([
      'train-task',
      '--env',
      'ant',
      '--robot',
      file('dog.json'),
      '--steps',
      '700',
      '--episodes-per-update',
      '2',
      '--out',
      out,
      '--json',
    ]);
    expect(trained.stderr).toBe('');
    expect(json(trained.stdout).envSteps).toBe(700);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({
      env: 'ant',
      robot: 'robot.json',
      robotSha256: sha256(join(out, 'robot.json')),
    });
    // The dog observes 24 numbers, the shipped ant 27: the policy runs only on the dog.
    const replay = await terrarium(['rollout', '--env', 'ant', '--policy', out, '--json']);
    expect(replay.stderr).toBe('');
    expect(json(replay.stdout).steps).toBeGreaterThan(0);
    const ant = await terrarium(['rollout', '--env', 'ant', '--policy', out, '--robot', 'robots/ant.json']);
    expect(ant.code).toBe(2);
    expect(ant.stderr).toContain(`${join(out, 'robot.json')} (sha256 ${run.robotSha256})`);
    expect(ant.stderr).toMatch(/got "robots\/ant.json" \(robots\/ant.json has sha256 [0-9a-f]{64}\)/);
  }, 90_000);

  it('train with robot in the config; view and eval use the run’s dog without --robot; another --robot is refused', async () => {
    const runDir = file('dog-meta');
    const trained = await terrarium(['train', '--config', file('dog-meta.json'), '--out', runDir, '--json']);
    expect(trained.code).toBe(0);
    expect(json(trained.stdout)).toMatchObject({ type: 'summary', iterations: 2 });
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ robot: 'robot.json', robotSha256: sha256(join(runDir, 'robot.json')) });
    expect(JSON.parse(readFileSync(join(runDir, 'robot.json'), 'utf8')).bodies).toMatchObject(dog.bodies);
    // From here on the run stands alone: the user's dog.json is gone.
    rmSync(file('dog.json'));

    const session = await startView({ run: runDir, tasks: 'test', count: 1, port: 0, seed: 0, workers: 0 });
    try {
      const page = await connectClient(socketUrl(session.url));
      try {
        await page.next('hello', 0);
        page.send({ type: 'subscribe', streams: ['frames'] });
        const scene = (await page.until(() => page.ofType('scene')[0], 30_000, 'a scene')).scene as {
          bodies: { name: string; shapes: SceneShape[] }[];
        };
        // The view shows the meta-init and its adaptations side by side, each robot's bodies named `lane<i>/<body>`:
        // the first lane (the meta-init, shown before any adaptation) must be the dog.
        const firstLane = scene.bodies.filter((b) => b.name.startsWith('lane0/'));
        expect(firstLane.map((b) => b.name.slice('lane0/'.length))).toEqual(dog.bodies.map((b) => b.name));
        firstLane.forEach((body, i) => {
          const spec = dog.bodies[i]!;
          expect(body.shapes).toHaveLength(spec.shapes.length);
          body.shapes.forEach((shape, j) => {
            const s = spec.shapes[j]!;
            expect(shape.type).toBe(s.type);
            if (s.type === 'box') {
              expect(shape.halfExtents).toEqual(s.halfExtents);
              for (const k of [0, 1, 2])
                expect(shape.offset[k]).toBeCloseTo(s.at![k]! - spec.position[k]!, 9);
            } else {
              expect(shape.radius).toBe(s.radius);
              const length = Math.hypot(...s.to!.map((v, k) => v - s.from![k]!));
              expect(2 * shape.halfHeight!).toBeCloseTo(length, 9);
            }
          });
        });
      } finally {
        page.close();
      }
    } finally {
      await session.close();
    }
    await expect(
      startView({
        run: runDir,
        tasks: 'test',
        count: 1,
        port: 0,
        seed: 0,
        workers: 0,
        robot: 'robots/ant.json',
      }),
    ).rejects.toThrow(`${join(runDir, 'robot.json')} (sha256 ${config.robotSha256})`);

    const evaluated = await terrarium([
      'eval',
      '--run',
      runDir,
      '--tasks',
      '2',
      '--seeds',
      '1',
      '--k',
      '1',
      '--json',
    ]);
    expect(evaluated.code).toBe(0);
    expect(json(evaluated.stdout).methods.meta.mean).toHaveLength(2);

    const refused = await terrarium(['eval', '--run', runDir, '--robot', 'robots/ant.json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${join(runDir, 'robot.json')} (sha256 ${config.robotSha256})`);
    expect(refused.stderr).toMatch(/robots\/ant.json has sha256 [0-9a-f]{64}/);
    expect(existsSync(join(runDir, 'eval'))).toBe(true);
  }, 120_000);
});
