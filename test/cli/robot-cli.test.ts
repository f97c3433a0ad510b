import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRobotFile } from '../../src/envs/robot-file.js';
import { parseRobotSpec } from '../../src/envs/robot-spec.js';
import { terrarium as run } from '../run-cli.js';

const terrarium = (...args: string[]) => run(args);

describe('terrarium robot convert and --robot model.xml', () => {
  it('robot convert prints a spec that validates and equals the loaded MJCF; notes go to stderr', async () => {
    const { code, stdout, stderr } = await terrarium(
      'robot',
      'convert',
      'test/fixtures/mjcf/half_cheetah.xml',
    );
    expect(code).toBe(0);
    const printed = parseRobotSpec(JSON.parse(stdout));
    expect(printed).toEqual(loadRobotFile('test/fixtures/mjcf/half_cheetah.xml'));
    expect(stderr).toContain('terrarium: note: ignored option@timestep');
    expect(stderr).toContain('terrarium: note: capped joint "bthigh" armature 0.1');
  });

  it('the converted JSON runs as --robot like the XML it came from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrarium-robot-'));
    const json = join(dir, 'ant.json');
    const converted = await terrarium('robot', 'convert', '--quiet', 'test/fixtures/mjcf/ant.xml');
    expect(converted.stderr).toBe('');
    writeFileSync(json, converted.stdout);
    const args = ['--env', 'ant', '--policy', 'random', '--seed', '3', '--steps', '40', '--json'];
    const fromXml = await terrarium('rollout', '--robot', 'test/fixtures/mjcf/ant.xml', ...args);
    const fromJson = await terrarium('rollout', '--robot', json, ...args);
    expect(fromXml.code).toBe(0);
    expect(JSON.parse(fromJson.stdout)).toEqual(JSON.parse(fromXml.stdout));
  });

  it('rollout --env ant --robot test/fixtures/mjcf/ant.xml --policy random --json runs a whole episode', async () => {
    const { code, stdout } = await terrarium(
      'rollout',
      '--env',
      'ant',
      '--robot',
      'test/fixtures/mjcf/ant.xml',
      '--policy',
      'random',
      '--json',
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ env: 'ant', steps: 200, truncated: true, terminated: false });
    expect(Number.isFinite(summary.return)).toBe(true);
  });

  it('an unsupported MJCF element exits 2 with one line naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terrarium-robot-'));
    const xml = join(dir, 'bad.xml');
    writeFileSync(
      xml,
      '<mujoco><worldbody><body name="b"><freejoint/><geom size="0.1"/></body></worldbody><tendon/></mujoco>',
    );
    const { code, stderr } = await terrarium('robot', 'convert', xml);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^terrarium: .*bad\.xml: expected only the MJCF subset Terrarium reads .*<tendon> inside <mujoco>/,
    );
  });
});
