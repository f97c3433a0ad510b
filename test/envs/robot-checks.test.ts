import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import { defaultAntTask } from '../../src/envs/ant.js';
import { makeEnv } from '../../src/envs/registry.js';
import { parseRobotSpec } from '../../src/envs/robot-spec.js';
import { terrarium } from '../run-cli.js';

type Spec = {
  root: string;
  bodies: { name: string; position: number[]; shapes: Record<string, unknown>[] }[];
  joints: { name: string; parent: string; child: string; axis: number[] }[];
  healthy?: { minHeight: number; maxHeight: number };
};
const ant = (): Spec => JSON.parse(readFileSync('robots/ant.json', 'utf8'));

function rejection(spec: Spec): TerrariumError {
  try {
    parseRobotSpec(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(TerrariumError);
    return error as TerrariumError;
  }
  throw new Error('expected the spec to be rejected');
}

const box = (halfExtents: number[]) => ({ type: 'box', at: [0, 0.75, 0], halfExtents });

describe('robot specs are validated as physics; errors name the body or joint', () => {
  it.each<[string, (s: Spec) => void, string]>([
    [
      'a zero-volume box',
      (s) => (s.bodies[0]!.shapes = [box([0.2, 0, 0.2])]),
      'robot.bodies["torso"].shapes.0.halfExtents',
    ],
    [
      'negative half-extents',
      (s) => (s.bodies[0]!.shapes = [box([-1, 1, 1])]),
      'robot.bodies["torso"].shapes.0.halfExtents',
    ],
    ['healthy min > max', (s) => (s.healthy = { minHeight: 1, maxHeight: 0.2 }), 'robot.healthy'],
    [
      'a joint axis [0, 0, 0]',
      (s) => (s.joints[1]!.axis = [0, 0, 0]),
      'robot.joints["front_left_ankle"].axis',
    ],
    [
      'a joint whose parent is its child',
      (s) => (s.joints[0]!.parent = s.joints[0]!.child),
      'robot.joints["front_left_hip"].child',
    ],
    [
      'a kinematic loop',
      (s) => {
        s.joints[0]!.parent = 'front_left_ankle';
      },
      'robot.bodies["front_left_hip"]',
    ],
    [
      'a body moved by two joints',
      (s) => (s.joints[2]!.child = 'front_left_hip'),
      'robot.joints["front_right_hip"].child',
    ],
    ['the root as a child', (s) => (s.joints[0]!.child = 'torso'), 'robot.joints["front_left_hip"].child'],
    [
      'a body at 1e30',
      (s) => (s.bodies[1]!.position = [1e30, 0, 0]),
      'robot.bodies["front_left_hip"].position',
    ],
    [
      'duplicate body names',
      (s) => s.bodies.push({ ...s.bodies[1]! }),
      'robot.bodies["front_left_hip"].name',
    ],
    [
      'duplicate joint names',
      (s) => (s.joints[1]!.name = s.joints[0]!.name),
      'robot.joints["front_left_hip"].name',
    ],
  ])('%s', (_, corrupt, path) => {
    const spec = ant();
    corrupt(spec);
    expect(rejection(spec).path).toBe(path);
  });

  it('the shipped robots pass', () => {
    for (const name of ['ant', 'cheetah']) {
      expect(() => parseRobotSpec(JSON.parse(readFileSync(`robots/${name}.json`, 'utf8')))).not.toThrow();
    }
  });

  it('bodyMassScale for a body the robot does not have is refused, naming it', async () => {
    const task = defaultAntTask();
    task.dynamics.bodyMassScale = { tail: 2 };
    await expect(makeEnv('ant', { task })).rejects.toThrow(
      /^task.dynamics.bodyMassScale.tail: expected a body of ant \(torso, /,
    );
  });

  it('the CLI: a zero axis exits 2 naming the joint; --robot for ball-nav is an error, not ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrarium-robot-'));
    const spec = ant();
    spec.joints[0]!.axis = [0, 0, 0];
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(spec));
    const bad = await terrarium([
      'rollout',
      '--env',
      'ant',
      '--robot',
      join(dir, 'bad.json'),
      '--steps',
      '2',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'terrarium: robot.joints["front_left_hip"].axis: expected a non-zero direction (unit length, or close), got [0,0,0]\n',
    );
    const ball = await terrarium([
      'rollout',
      '--env',
      'ball-nav',
      '--robot',
      'robots/ant.json',
      '--steps',
      '2',
    ]);
    expect(ball.code).toBe(2);
    expect(ball.stderr).toMatch(/^terrarium: --robot: expected unset for ball-nav/);
  });

  it('any number put anywhere in a spec ends in a valid spec or a TerrariumError', () => {
    const leaves: (string | number)[][] = [];
    const walk = (node: unknown, path: (string | number)[]) => {
      if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) walk(v, [...path, Array.isArray(node) ? Number(k) : k]);
      } else if (typeof node === 'number') leaves.push(path);
    };
    walk(ant(), []);
    fc.assert(
      fc.property(
        fc.constantFrom(...leaves),
        fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 1e30, Number.NaN)),
        (path, value) => {
          const spec = ant() as unknown as Record<string | number, unknown>;
          let node = spec;
          for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
          node[path.at(-1)!] = value;
          try {
            parseRobotSpec(spec);
          } catch (error) {
            expect(error).toBeInstanceOf(TerrariumError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
