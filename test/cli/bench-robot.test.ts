import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { terrarium } from '../run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'terrarium-bench-robot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('terrarium bench envs --robot', () => {
  it('benches the legged envs with the given robot, and names it in each row', async () => {
    const ant = JSON.parse(readFileSync('robots/ant.json', 'utf8'));
    // Two of the ant's legs, 4 motors: the bench's actions must be sized by the robot, not by the env's 8.
    const robot = {
      ...ant,
      name: 'two-legged-ant',
      joints: ant.joints.slice(0, 4),
      bodies: ant.bodies.slice(0, 5),
    };
    writeFileSync(join(dir, 'robot.json'), JSON.stringify(robot));
    const { code, stdout, stderr } = await terrarium([
      'bench',
      'envs',
      '--robot',
      join(dir, 'robot.json'),
      '--seconds',
      '0.5',
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { envs } = JSON.parse(stdout);
    expect(envs.map((r: { id: string; robot: string }) => [r.id, r.robot])).toEqual([
      ['cheetah', 'two-legged-ant'],
      ['ant', 'two-legged-ant'],
    ]);
    for (const row of envs) expect(row.envStepsPerSec).toBeGreaterThan(0);
  }, 60_000);
});
