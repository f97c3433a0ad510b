import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { robotHash } from '../../src/envs/robot-file.js';
import {
  type Checkpoint,
  checkpointDir,
  findCheckpoint,
  loadLatestCheckpoint,
  loadRunIfCheckpointed,
  RUN_ROBOT_FILE,
  readLatestCheckpoint,
  readRunConfig,
  saveCheckpoint,
  writeRunConfig,
} from '../../src/meta/checkpoint.js';
import { parseTrainConfig } from '../../src/meta/config.js';
import { tempDir, tinyAnt, tinyBallNav, tinySine } from './helpers.js';

// In-process tests of the run directory's checkpoints (the CLI tests see the built module, not this one):
//   RUN/checkpoints/ckpt-NNNNNN.json (NNNNNN: iterations done, six digits) holds every field of a checkpoint, bit for
//   bit; RUN/checkpoints/latest holds the newest one's file name and a newline; a save keeps the newest `keep` (at
//   least the one just written) and removes the temp files of interrupted writes, nothing else; loading takes the
//   newest checkpoint that verifies, says which newer ones it skipped and why, refuses a `latest` that names anything
//   but a checkpoint file beside it, and refuses a run whose checkpoints all fail, naming each.

const root = tempDir('terrarium-checkpoint-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
function newRun(): string {
  const dir = join(root, `run-${runs++}`);
  mkdirSync(dir);
  return dir;
}

function checkpoint(iteration: number, extra: Partial<Checkpoint> = {}): Checkpoint {
  return {
    version: 1,
    iteration,
    params: Float32Array.from([0.1, -2.5, 3e-7, iteration]),
    obsNorm: { mean: [1, 2], var: [0.5, 4], count: 17 },
    adam: { m: Float32Array.from([1, -1, 0.25, 0]), v: Float32Array.from([2, 3, 4, 5]), t: 9 },
    stepScales: {
      log: Float32Array.from([-0.5, 0.5, 0, 1]),
      adam: { m: Float32Array.from([0.1, 0.2, 0.3, 0.4]), v: Float32Array.from([1, 1, 1, 1]), t: 3 },
    },
    rng: { tasks: { gen: [1, 2, 3, 4], spareNormal: -0.75 } },
    curriculumLevel: 2,
    metricsLines: iteration + 1,
    envSteps: 1234 * iteration,
    wallSeconds: 5.5,
    ...extra,
  };
}

const files = (run: string) => readdirSync(checkpointDir(run)).sort();
const latest = (run: string) => readFileSync(join(checkpointDir(run), 'latest'), 'utf8');

describe('saveCheckpoint and findCheckpoint', () => {
  it('round-trips every field bit for bit, under ckpt-NNNNNN.json, and points latest at it', async () => {
    const run = newRun();
    const saved = checkpoint(7);
    expect(await saveCheckpoint(run, saved)).toBe('ckpt-000007.json');
    expect(files(run)).toEqual(['ckpt-000007.json', 'latest']);
    expect(latest(run)).toBe('ckpt-000007.json\n');
    const found = await findCheckpoint(run);
    expect(found).not.toBeNull();
    expect(found!.name).toBe('ckpt-000007.json');
    expect(found!.verified).toBe(true);
    expect(found!.skipped).toEqual([]);
    expect(found!.checkpoint).toEqual(saved);
    expect(found!.checkpoint.params).toBeInstanceOf(Float32Array);
    expect(found!.checkpoint.adam!.m).toBeInstanceOf(Float32Array);
    expect(found!.checkpoint.stepScales!.log).toBeInstanceOf(Float32Array);
    expect(await readLatestCheckpoint(run)).toEqual(saved);
    // Without the optional fields and with nulls, too; a seven-digit iteration is not padded further.
    const bare: Checkpoint = { ...checkpoint(1234567), adam: null, obsNorm: null, stepScales: null };
    delete bare.curriculumLevel;
    expect(await saveCheckpoint(run, bare)).toBe('ckpt-1234567.json');
  });

  it('a run directory without checkpoints (or without the directory) has none: null, not an error', async () => {
    const run = newRun();
    expect(await findCheckpoint(run)).toBeNull();
    expect(await readLatestCheckpoint(run)).toBeNull();
    mkdirSync(checkpointDir(run));
    writeFileSync(join(checkpointDir(run), 'notes.txt'), 'x');
    expect(await findCheckpoint(run)).toBeNull();
    expect(checkpointDir(run)).toBe(join(run, 'checkpoints'));
  });

  it('keeps the newest `keep` checkpoints (default 3), at least the one just written', async () => {
    const run = newRun();
    for (let i = 1; i <= 5; i++) await saveCheckpoint(run, checkpoint(i));
    expect(files(run)).toEqual(['ckpt-000003.json', 'ckpt-000004.json', 'ckpt-000005.json', 'latest']);
    await saveCheckpoint(run, checkpoint(6), 2);
    expect(files(run)).toEqual(['ckpt-000005.json', 'ckpt-000006.json', 'latest']);
    await saveCheckpoint(run, checkpoint(7), 0);
    expect(files(run)).toEqual(['ckpt-000007.json', 'latest']);
    await saveCheckpoint(run, checkpoint(8), 1);
    expect(files(run)).toEqual(['ckpt-000008.json', 'latest']);
    await saveCheckpoint(run, checkpoint(9), 5);
    await saveCheckpoint(run, checkpoint(10), 5);
    expect(files(run)).toEqual(['ckpt-000008.json', 'ckpt-000009.json', 'ckpt-000010.json', 'latest']);
  });

  it('never prunes the checkpoint it has just written, even when it is not the newest name', async () => {
    const run = newRun();
    // Written out of order, so that the directory's order (creation, its reverse, or a hash) is not the names'.
    for (const i of [3, 5, 1, 4]) await saveCheckpoint(run, checkpoint(i), 10);
    await saveCheckpoint(run, checkpoint(2), 3);
    // Of 1..5 the three kept are the one just written and the two newest.
    expect(files(run)).toEqual(['ckpt-000002.json', 'ckpt-000004.json', 'ckpt-000005.json', 'latest']);
    expect(latest(run)).toBe('ckpt-000002.json\n');
    // `latest` names it, but loading takes the newest that verifies and says nothing was skipped.
    const found = await findCheckpoint(run);
    expect(found!.name).toBe('ckpt-000005.json');
    expect(found!.skipped).toEqual([]);
  });

  it('removes the temp files of interrupted writes, and nothing else', async () => {
    const run = newRun();
    const dir = checkpointDir(run);
    mkdirSync(dir);
    const temps = ['ckpt-000001.json.tmp-123-abc', 'latest.tmp-9'];
    const others = [
      'notes.txt',
      'ckpt-000001.json.bak',
      'xlatest.tmp-1',
      'ckpt-1.json.tmp-1',
      'my-ckpt-000002.json',
    ];
    for (const n of [...temps, ...others]) writeFileSync(join(dir, n), 'x');
    await saveCheckpoint(run, checkpoint(3));
    expect(files(run)).toEqual(['ckpt-000003.json', 'latest', ...others].sort());
  });

  it('lists only plain files named ckpt-NNNNNN.json: links, folders and other names are neither loaded nor pruned', async () => {
    const run = newRun();
    await saveCheckpoint(run, checkpoint(1));
    const dir = checkpointDir(run);
    // A link and a folder with checkpoint names, newer than the real one.
    const elsewhere = newRun();
    await saveCheckpoint(elsewhere, checkpoint(8));
    symlinkSync(join(checkpointDir(elsewhere), 'ckpt-000008.json'), join(dir, 'ckpt-000008.json'));
    mkdirSync(join(dir, 'ckpt-000009.json'));
    writeFileSync(join(dir, 'ckpt-00010.json'), 'not a checkpoint name');
    writeFileSync(join(dir, 'ckpt-000011.json.old'), 'not a checkpoint name');
    const found = await findCheckpoint(run);
    expect(found!.name).toBe('ckpt-000001.json');
    expect(found!.skipped).toEqual([]);
    for (let i = 2; i <= 4; i++) await saveCheckpoint(run, checkpoint(i), 1);
    expect(files(run)).toEqual(
      [
        'ckpt-000004.json',
        'ckpt-000008.json',
        'ckpt-000009.json',
        'ckpt-00010.json',
        'ckpt-000011.json.old',
        'latest',
      ].sort(),
    );
  });

  it('skips a newer checkpoint that does not verify, saying which and why, and loads the one before', async () => {
    const run = newRun();
    await saveCheckpoint(run, checkpoint(1));
    await saveCheckpoint(run, checkpoint(2));
    const path = join(checkpointDir(run), 'ckpt-000002.json');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const found = await findCheckpoint(run);
    expect(found!.name).toBe('ckpt-000001.json');
    expect(found!.checkpoint).toEqual(checkpoint(1));
    expect(found!.skipped).toHaveLength(1);
    expect(found!.skipped[0]!.name).toBe('ckpt-000002.json');
    expect(found!.skipped[0]!.reason).toMatch(/\w/);
  });

  it('a `latest` naming a missing file is skipped as such; a file newer than `latest` names is still loaded', async () => {
    const run = newRun();
    await saveCheckpoint(run, checkpoint(3));
    writeFileSync(join(checkpointDir(run), 'latest'), '  ckpt-000009.json \n');
    const found = await findCheckpoint(run);
    expect(found!.name).toBe('ckpt-000003.json');
    expect(found!.skipped).toEqual([{ name: 'ckpt-000009.json', reason: 'missing (named by latest)' }]);
    writeFileSync(join(checkpointDir(run), 'latest'), 'ckpt-000001.json\n');
    const newer = await findCheckpoint(run);
    expect(newer!.name).toBe('ckpt-000003.json');
    // The newest that verifies is found first; the older name is never reached.
    expect(newer!.skipped).toEqual([]);
  });

  it('a `latest` naming anything but a checkpoint file beside it is an error naming the pointer', async () => {
    const run = newRun();
    await saveCheckpoint(run, checkpoint(1));
    const pointer = join(checkpointDir(run), 'latest');
    for (const bad of [
      '../ckpt-000001.json',
      'ckpt-000001.json.tmp-1',
      'ckpt-1.json',
      'xckpt-000001.json',
      '',
    ]) {
      writeFileSync(pointer, `${bad}\n`);
      await expect(findCheckpoint(run), bad).rejects.toThrow(
        `${pointer}: expected the name of a checkpoint file beside it (ckpt-NNNNNN.json), got "${bad}"`,
      );
    }
    // A long pointer is quoted to 200 characters.
    writeFileSync(pointer, 'y'.repeat(500));
    await expect(findCheckpoint(run)).rejects.toThrow(`got "${'y'.repeat(200)}"`);
    await expect(findCheckpoint(run)).rejects.not.toThrow('y'.repeat(201));
  });

  it('when no checkpoint verifies, the error names each file and why, newest first', async () => {
    const run = newRun();
    await saveCheckpoint(run, checkpoint(1));
    await saveCheckpoint(run, checkpoint(2));
    for (const n of ['ckpt-000001.json', 'ckpt-000002.json']) writeFileSync(join(checkpointDir(run), n), '');
    const error = await findCheckpoint(run).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      new RegExp(
        `^${checkpointDir(run)}: expected at least one checkpoint that verifies, got "ckpt-000002.json, ckpt-000001.json" \\(ckpt-000002.json: [^;]+; ckpt-000001.json: [^;]+\\)$`,
      ),
    );
  });

  it('a checkpoint that does not verify once written is removed, and `latest` stays where it was', async () => {
    const run = newRun();
    await saveCheckpoint(run, checkpoint(1));
    const bad = checkpoint(2, { params: Float32Array.from([1, Number.NaN]) });
    const path = join(checkpointDir(run), 'ckpt-000002.json');
    await expect(saveCheckpoint(run, bad)).rejects.toThrow(
      new RegExp(`^${path}: expected a checkpoint that verifies, got "the file written" \\(.+\\)$`),
    );
    expect(existsSync(path)).toBe(false);
    expect(latest(run)).toBe('ckpt-000001.json\n');
  });

  it('a checkpoint that cannot be written is an error naming the file, and `latest` stays', async () => {
    const run = newRun();
    await saveCheckpoint(run, checkpoint(1));
    // A non-empty folder where the checkpoint goes: the rename onto it fails (even as root).
    mkdirSync(join(checkpointDir(run), 'ckpt-000002.json', 'inside'), { recursive: true });
    const path = join(checkpointDir(run), 'ckpt-000002.json');
    await expect(saveCheckpoint(run, checkpoint(2))).rejects.toThrow(
      new RegExp(`^${path}: checkpoint not written \\(.+\\); \`latest\` still names the last one$`),
    );
    expect(latest(run)).toBe('ckpt-000001.json\n');
  });
});

describe('the run config', () => {
  it('is written as indented JSON with a final newline, creating the checkpoints folder, and read back', async () => {
    const run = join(newRun(), 'new');
    const config = tinyBallNav();
    await writeRunConfig(run, config);
    expect(existsSync(checkpointDir(run))).toBe(true);
    expect(readFileSync(join(run, 'config.json'), 'utf8')).toBe(`${JSON.stringify(config, null, 2)}\n`);
    expect(existsSync(join(run, RUN_ROBOT_FILE))).toBe(false);
    expect(await readRunConfig(run)).toEqual(config);
    const sine = tinySine();
    await writeRunConfig(run, sine);
    expect(await readRunConfig(run)).toEqual(sine);
  });

  it('with a robot, writes the spec to robot.json and names it in config.json with its hash', async () => {
    const run = newRun();
    const ant = JSON.parse(readFileSync('robots/ant.json', 'utf8'));
    const weak = { ...ant, name: 'weak-ant', joints: ant.joints.map((j: object) => ({ ...j, gear: 20 })) };
    const config = parseTrainConfig({ ...tinyAnt, robot: weak }) as ReturnType<typeof parseTrainConfig> & {
      robot: unknown;
    };
    await writeRunConfig(run, config);
    const saved = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(saved.robot).toBe(RUN_ROBOT_FILE);
    expect(saved.robotSha256).toBe(robotHash(config.robot as Parameters<typeof robotHash>[0]));
    expect(JSON.parse(readFileSync(join(run, RUN_ROBOT_FILE), 'utf8')).name).toBe('weak-ant');
    const back = (await readRunConfig(run)) as typeof config;
    expect(back.robot).toEqual(config.robot);
  });

  it('a missing, corrupt or invalid config.json is an error naming the run or the file and the field', async () => {
    const run = newRun();
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    const missing = await refusal(readRunConfig(run));
    expect(missing).toBeInstanceOf(Error);
    expect((missing as Error).message).toBe(
      `--run: expected a run directory with config.json (made by \`terrarium train\`), got "${run}"`,
    );
    const path = join(run, 'config.json');
    writeFileSync(path, '{"env": ');
    const corrupt = await refusal(readRunConfig(run));
    expect(corrupt).toBeInstanceOf(Error);
    expect((corrupt as Error).message).toMatch(
      new RegExp(`^${path}: expected valid JSON, got "8 characters" \\(.+\\)$`),
    );
    writeFileSync(path, JSON.stringify({ ...tinyBallNav(), iterations: -1 }));
    const invalid = await refusal(readRunConfig(run));
    expect(invalid).toBeInstanceOf(Error);
    expect((invalid as Error).message).toMatch(new RegExp(`^${path}: iterations: expected `));
  });
});

describe('loading a run', () => {
  it('gives the config, the newest checkpoint and its fields; refuses a run without one', async () => {
    const run = newRun();
    const config = tinyBallNav();
    await writeRunConfig(run, config);
    await expect(loadLatestCheckpoint(run)).rejects.toThrow(
      `--run: expected a run directory with at least one checkpoint, got "${run}"`,
    );
    expect(await loadRunIfCheckpointed(run)).toBeNull();
    await saveCheckpoint(run, checkpoint(4));
    for (const loaded of [await loadLatestCheckpoint(run), await loadRunIfCheckpointed(run)]) {
      expect(loaded).toEqual({
        config,
        iteration: 4,
        params: checkpoint(4).params,
        obsNorm: checkpoint(4).obsNorm,
        checkpoint: checkpoint(4),
      });
    }
  });
});
