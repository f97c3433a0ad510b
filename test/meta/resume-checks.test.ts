import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shippedRobot } from '../../src/envs/robot-spec.js';
import { parseTrainConfig, type TrainConfig } from '../../src/meta/config.js';
import { checkSameConfig, planMetrics } from '../../src/meta/resume-checks.js';
import { tempDir, tinySine } from './helpers.js';

/** A metrics.jsonl with these lines (each followed by a newline unless `trailing` is false). */
function metricsFile(lines: string[], trailing = true): string {
  const path = join(tempDir(), 'metrics.jsonl');
  writeFileSync(path, lines.join('\n') + (trailing ? '\n' : ''));
  return path;
}

const line = (iteration: unknown) => JSON.stringify({ iteration, meanReturn: 1 });

describe('resuming: the metrics lines kept', () => {
  it('keeps exactly the lines of the checkpoint iterations, in order, and says nothing when all is well', async () => {
    const plan = await planMetrics(metricsFile([line(0), line(1), line(2)]), 3);
    expect(plan).toEqual({ text: `${line(0)}\n${line(1)}\n${line(2)}\n`, notes: [] });
  });

  it('drops the lines written after the checkpoint', async () => {
    const plan = await planMetrics(metricsFile([line(0), line(1), line(2), line(3)]), 2);
    expect(plan.text).toBe(`${line(0)}\n${line(1)}\n`);
    expect(plan.notes).toEqual(['metrics.jsonl: dropped 2 line(s) written after the checkpoint']);
  });

  it('a file cut within its last line loses that line, a last line without its newline is kept with one', async () => {
    const cut = await planMetrics(metricsFile([line(0), line(1).slice(0, 8)], false), 2);
    expect(cut.text).toBe(`${line(0)}\n`);
    expect(cut.notes).toEqual([
      'metrics.jsonl: dropped 1 unreadable line(s) (line 2)',
      "metrics.jsonl: 1 of the checkpoint's 2 iterations have no line",
    ]);
    const whole = await planMetrics(metricsFile([line(0), line(1)], false), 2);
    expect(whole).toEqual({ text: `${line(0)}\n${line(1)}\n`, notes: [] });
  });

  it('lines that are not an object with a whole iteration are unreadable', async () => {
    const bad = ['garbage', line(1.5), line('1'), '[]', 'null', '{}', '7', ''];
    const plan = await planMetrics(metricsFile([line(0), ...bad]), 1);
    expect(plan.text).toBe(`${line(0)}\n`);
    expect(plan.notes).toEqual(['metrics.jsonl: dropped 8 unreadable line(s) (line 2, 3, 4, 5, 6, 7, 8, 9)']);
  });

  it('repeated and out-of-order lines are dropped, the first of each iteration kept', async () => {
    const plan = await planMetrics(metricsFile([line(0), line(2), line(1), line(2), line(0), line(3)]), 4);
    expect(plan.text).toBe(`${line(0)}\n${line(2)}\n${line(3)}\n`);
    expect(plan.notes).toEqual([
      'metrics.jsonl: dropped 3 repeated or out-of-order line(s) (line 3, 4, 5)',
      "metrics.jsonl: 1 of the checkpoint's 4 iterations have no line",
    ]);
  });

  it('lists at most 10 line numbers', async () => {
    const plan = await planMetrics(metricsFile(Array.from({ length: 12 }, () => 'x')), 0);
    expect(plan.notes).toEqual([
      'metrics.jsonl: dropped 12 unreadable line(s) (line 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...)',
    ]);
    const ten = await planMetrics(metricsFile(Array.from({ length: 10 }, () => 'x')), 0);
    expect(ten.notes[0]).toBe(
      'metrics.jsonl: dropped 10 unreadable line(s) (line 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)',
    );
  });

  it('no metrics file yet: nothing kept, every iteration missing', async () => {
    const plan = await planMetrics(join(tempDir(), 'metrics.jsonl'), 2);
    expect(plan).toEqual({
      text: '',
      notes: ["metrics.jsonl: 2 of the checkpoint's 2 iterations have no line"],
    });
  });
});

describe('resuming: the config must be the one the run started with', () => {
  function runWith(config: TrainConfig): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  }

  it('the same config, or one with other workers or backend, resumes', async () => {
    const config = tinySine();
    const dir = runWith(config);
    await expect(checkSameConfig(dir, config)).resolves.toBeUndefined();
    await expect(checkSameConfig(dir, { ...config, workers: 3, backend: 'wasm' })).resolves.toBeUndefined();
  });

  it('any other field differing is refused, each differing field named', async () => {
    const config = tinySine();
    const dir = runWith(config);
    const other = { ...config, metaBatchSize: 5, hidden: [4] } as TrainConfig;
    await expect(checkSameConfig(dir, other)).rejects.toThrow(
      `--config: expected the config the run in ${dir} was started with (see its config.json), got "a config whose metaBatchSize, hidden differ"`,
    );
  });

  it('more iterations or env steps only when eps does not anneal (or the run is pretraining)', async () => {
    const annealed = tinySine({ outer: { eps0: 1, eps1: 0.5 } });
    await expect(
      checkSameConfig(runWith(annealed), { ...annealed, iterations: 9 } as TrainConfig),
    ).rejects.toThrow('a config whose iterations differ');
    const constant = tinySine({ outer: { eps0: 0.5, eps1: 0.5 } });
    const longer = { ...constant, iterations: 9, envStepBudget: 1000 } as TrainConfig;
    await expect(checkSameConfig(runWith(constant), longer)).resolves.toBeUndefined();
    const pretrain = tinySine({ algo: 'pretrain', outer: { eps0: 1, eps1: 0 } });
    const longerPretrain = { ...pretrain, iterations: 9 } as TrainConfig;
    await expect(checkSameConfig(runWith(pretrain), longerPretrain)).resolves.toBeUndefined();
  });

  it('a legged run given another robot is refused by the robots, with both hashes; the same robot only by field', async () => {
    const ant = shippedRobot('ant');
    const heavier = { ...ant, bodies: ant.bodies.map((b) => ({ ...b, density: (b.density ?? 1000) * 2 })) };
    const legged = (robot?: unknown) =>
      parseTrainConfig({
        env: 'ant',
        iterations: 2,
        metaBatchSize: 2,
        inner: { steps: 1, episodesPerUpdate: 1, learner: { algo: 'vpg', alpha: 0.1 } },
        policy: { hiddenSizes: [8], activation: 'relu', obsNorm: true, valueFunction: false },
        ...(robot ? { robot } : {}),
      });
    const dir = runWith(legged());
    await expect(checkSameConfig(dir, legged(heavier))).rejects.toThrow(
      /^--config: robot: expected the robot the run in .* was trained with, .* \(sha256 [0-9a-f]{64}\), got "the robot of --config" \(the robot of --config has sha256 [0-9a-f]{64}\)$/,
    );
    // The shipped robot written out is the same robot: only the field differs.
    await expect(checkSameConfig(dir, legged(ant))).rejects.toThrow(
      /^--config: .*got "a config whose robot\b/,
    );
    // A config of an env without a robot compares by field alone.
    const ballNav = { ...legged(), env: 'ball-nav' } as TrainConfig;
    await expect(checkSameConfig(dir, ballNav)).rejects.toThrow(
      /^--config: .*got "a config whose env differ"$/,
    );
  });

  it('a directory without a readable config.json is refused', async () => {
    const dir = tempDir();
    await expect(checkSameConfig(dir, tinySine())).rejects.toThrow(
      `--resume: expected a run directory with a valid config.json to resume, got ${JSON.stringify(dir)}`,
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ env: 'sine', iterations: -1 }));
    await expect(checkSameConfig(dir, tinySine())).rejects.toThrow(/^--resume: .* \(.*iterations.*\)$/);
  });
});
