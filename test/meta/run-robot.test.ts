import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { pretrainConfig } from '../../src/cli/pretrain-command.js';
import { runTrain } from '../../src/cli/train-command.js';
import { readRunConfig } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig, withOverrides } from '../../src/meta/config.js';
import { tempDir, tinyAnt } from './helpers.js';

/** A robot of our own: the shipped ant with weaker motors and another name (same sizes, another robot). */
const ant = JSON.parse(readFileSync('robots/ant.json', 'utf8'));
const weakAnt = {
  ...ant,
  name: 'weak-ant',
  joints: ant.joints.map((j: { gear: number }) => ({ ...j, gear: 20 })),
};

const dir = tempDir('terrarium-run-robot-');
mkdirSync(join(dir, 'robots'));
writeFileSync(join(dir, 'robots', 'weak-ant.json'), JSON.stringify(weakAnt));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a train config’s robot', () => {
  it('is a path read relative to the config file, or the same spec inline, with its hash', () => {
    const byPath = parseTrainConfig({ ...tinyAnt, robot: 'robots/weak-ant.json' }, dir) as RlTrainConfig;
    const inline = parseTrainConfig({ ...tinyAnt, robot: weakAnt }) as RlTrainConfig;
    expect(byPath.robot?.name).toBe('weak-ant');
    expect(inline.robot).toEqual(byPath.robot);
    expect(byPath.robotSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inline.robotSha256).toBe(byPath.robotSha256);
    // Re-parsing a resolved config (as --seed and friends do) keeps the robot and its hash.
    expect(withOverrides(byPath, { seed: 3 })).toMatchObject({
      robot: byPath.robot,
      robotSha256: byPath.robotSha256,
    });
    expect((parseTrainConfig(tinyAnt) as RlTrainConfig).robot).toBeUndefined();
  });

  it('is validated at load: a bad spec, a missing file, an env without robots and a wrong hash are named', () => {
    const bad = {
      ...weakAnt,
      joints: [{ ...weakAnt.joints[0], parent: 'nobody' }, ...weakAnt.joints.slice(1)],
    };
    expect(() => parseTrainConfig({ ...tinyAnt, robot: bad })).toThrow(
      /^robot\.joints\.0\.parent: expected a body name/,
    );
    expect(() => parseTrainConfig({ ...tinyAnt, robot: 'nope.json' }, dir)).toThrow(
      /^robot: expected a readable robot spec JSON file, got ".*nope\.json"/,
    );
    const ballNav = { ...tinyAnt, env: 'ball-nav', robot: weakAnt };
    expect(() => parseTrainConfig(ballNav)).toThrow(/^robot: expected unset for ball-nav/);
    expect(() => parseTrainConfig({ ...tinyAnt, robot: weakAnt, robotSha256: '0'.repeat(64) })).toThrow(
      /^robotSha256: expected the sha256 of the robot in an inline robot spec, which is now [0-9a-f]{64}/,
    );
  });
});

describe('a run made with a robot', () => {
  const runDir = join(dir, 'run');
  const quiet = () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    return () => {
      out.mockRestore();
      err.mockRestore();
    };
  };

  it('keeps RUN/robot.json, used on resume; another --robot or a config with another robot is refused', async () => {
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...tinyAnt, robot: 'robots/weak-ant.json' }));
    const restore = quiet();
    try {
      expect(await runTrain({ config: join(dir, 'meta.json'), out: runDir, json: true })).toBe(0);
    } finally {
      restore();
    }
    // The user's file changes; the run's copy does not.
    writeFileSync(join(dir, 'robots', 'weak-ant.json'), JSON.stringify({ ...weakAnt, name: 'edited' }));
    const saved = (await readRunConfig(runDir)) as RlTrainConfig;
    expect(saved.robot?.name).toBe('weak-ant');

    const runRobot = `${join(runDir, 'robot.json')} (sha256 ${saved.robotSha256})`;
    await expect(
      runTrain({ out: runDir, resume: true, robot: 'robots/ant.json', iterations: 2 }),
    ).rejects.toThrow(runRobot);
    await expect(
      runTrain({ out: runDir, resume: true, robot: join(dir, 'robots', 'weak-ant.json') }),
    ).rejects.toThrow(/weak-ant\.json has sha256 [0-9a-f]{64}/);
    await expect(runTrain({ config: join(dir, 'meta.json'), out: runDir, resume: true })).rejects.toThrow(
      /^--config: robot: expected the robot the run .* was trained with/,
    );
    const restoreAgain = quiet();
    try {
      const resumed = runTrain({
        out: runDir,
        resume: true,
        robot: join(runDir, 'robot.json'),
        iterations: 2,
      });
      expect(await resumed).toBe(0);
    } finally {
      restoreAgain();
    }
    expect(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  }, 60_000);

  it('pretrain trains the baseline on the run’s robot, and refuses another', async () => {
    const baseline = (await pretrainConfig({ run: runDir })) as RlTrainConfig;
    const saved = (await readRunConfig(runDir)) as RlTrainConfig;
    expect(baseline.robot).toEqual(saved.robot);
    await expect(pretrainConfig({ run: runDir, robot: 'robots/ant.json' })).rejects.toThrow(
      /^--robot: expected the robot/,
    );
  });

  it('train --robot gives a new run that robot in place of the config’s; a robot for ball-nav is refused', async () => {
    const out = join(dir, 'flag');
    writeFileSync(join(dir, 'flag.json'), JSON.stringify({ ...tinyAnt, robot: ant }));
    const restore = quiet();
    try {
      expect(
        await runTrain({
          config: join(dir, 'flag.json'),
          out,
          robot: join(runDir, 'robot.json'),
          json: true,
        }),
      ).toBe(0);
    } finally {
      restore();
    }
    expect(JSON.parse(readFileSync(join(out, 'robot.json'), 'utf8')).name).toBe('weak-ant');
    writeFileSync(join(dir, 'ball.json'), JSON.stringify({ ...tinyAnt, env: 'ball-nav' }));
    await expect(
      runTrain({ config: join(dir, 'ball.json'), out: join(dir, 'ball'), robot: join(runDir, 'robot.json') }),
    ).rejects.toThrow(/^--robot: expected unset for ball-nav/);
  }, 60_000);

  it('a run without a robot keeps the shipped one, and --robot naming it is accepted', async () => {
    const plain = join(dir, 'plain');
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(tinyAnt));
    const restore = quiet();
    try {
      expect(await runTrain({ config: join(dir, 'plain.json'), out: plain, json: true })).toBe(0);
      const config = JSON.parse(readFileSync(join(plain, 'config.json'), 'utf8'));
      expect(config.robot).toBeUndefined();
      expect(await runTrain({ out: plain, resume: true, robot: 'robots/ant.json', iterations: 2 })).toBe(0);
    } finally {
      restore();
    }
    await expect(
      runTrain({ out: plain, resume: true, robot: join(runDir, 'robot.json'), iterations: 3 }),
    ).rejects.toThrow('the shipped ant robot (robots/ant.json)');
  }, 60_000);
});
