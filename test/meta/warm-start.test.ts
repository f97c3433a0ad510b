import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import type { ObsNormState } from '../../src/agents/obs-norm.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { loadLatestCheckpoint } from '../../src/meta/checkpoint.js';
import { parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';
import { randomMethod } from '../../src/meta/eval/methods.js';
import { initSeed } from '../../src/meta/trainer.js';
import { warmStart } from '../../src/meta/warm-start.js';
import { terrarium } from '../run-cli.js';
import { readMetrics, tempDir, tinyAnt, tinyBallNav, train } from './helpers.js';

const ppo = { algo: 'ppo', updateEpochs: 2, numMinibatches: 2 };
const network = { hiddenSizes: [8], activation: 'relu', valueFunction: true };
/** Domain randomization on ball-nav: one PPO policy pooled over the meta-batch's tasks, no context. */
const drConfig = (overrides: Record<string, unknown> = {}) =>
  tinyBallNav({
    algo: 'pretrain',
    inner: { steps: 1, episodesPerUpdate: 2, learner: ppo },
    policy: network,
    ...overrides,
  }) as RlTrainConfig;
const contextRun = (initFrom: string) =>
  tinyBallNav({
    iterations: 1,
    initFrom,
    inner: {
      steps: 1,
      episodesPerUpdate: 2,
      measureFinal: false,
      learner: { algo: 'context', lr: 2, sigma: 0.5 },
      weights: { updates: 1, learner: ppo },
    },
    policy: { ...network, contextDim: 2 },
  }) as RlTrainConfig;

const policyOf = (config: RlTrainConfig, obsDim: number, params: Float32Array, norm: unknown) => {
  const policy = GaussianPolicy.create(config.policy, obsDim, 2, 0);
  policy.setParams(params);
  policy.setObsNorm(norm as ObsNormState);
  return policy;
};

describe('warm start (initFrom)', () => {
  let drDir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    drDir = tempDir();
    await train(drConfig(), drDir);
  });

  it("starts a context run from a DR run: the DR policy's actions at context 0, its env steps in the totals", async () => {
    const config = contextRun(drDir);
    const source = await loadLatestCheckpoint(drDir);
    const warm = await warmStart(config, initSeed(config));
    const dr = policyOf(source.config as RlTrainConfig, 4, source.params, source.obsNorm);
    const widened = policyOf(config, 6, warm.params, warm.obsNorm);
    try {
      const obs = new Float32Array([0.3, -0.2, 0.1, 0.5]);
      const expected = dr.meanActions(obs);
      widened.meanActions(new Float32Array([...obs, 0, 0])).forEach((v, j) => {
        expect(v).toBeCloseTo(expected[j]!, 5);
      });
      // The context rows are live (a fresh init's), so the context learner can move the actions.
      const moved = widened.meanActions(new Float32Array([...obs, 1, -1]));
      expect(moved.some((v, j) => Math.abs(v - expected[j]!) > 1e-4)).toBe(true);
    } finally {
      dr.dispose();
      widened.dispose();
    }
    expect(warm.envSteps).toBe(source.checkpoint.envSteps);
    expect(warm.envSteps).toBeGreaterThan(0);
    expect(warm.params).not.toEqual(randomMethod(config).init(0).params);

    const dir = tempDir();
    await train(config, dir);
    const [line] = readMetrics(dir);
    expect(line!.totalEnvSteps).toBe(source.checkpoint.envSteps + line!.envSteps);
  });

  it('refuses a source of another network, env or a missing run, naming initFrom and the field', async () => {
    const wider = tempDir();
    await train(drConfig({ iterations: 1, policy: { ...network, hiddenSizes: [16] } }), wider);
    await expect(warmStart(contextRun(wider), 0)).rejects.toThrow(
      /initFrom .*: policy\.hiddenSizes: expected the run's \[8\], got \[16\]/,
    );
    await expect(warmStart(contextRun(join(wider, 'nothing')), 0)).rejects.toThrow(
      /initFrom: expected a run directory/,
    );
    const other = { ...contextRun(drDir), env: 'cheetah', tasks: {} } as RlTrainConfig;
    await expect(warmStart(other, 0)).rejects.toThrow(
      /initFrom .*: env: expected the run's "cheetah", got "ball-nav"/,
    );
  });

  it("refuses another robot's run and takes its own robot's, saved as robot.json", async () => {
    const ant = JSON.parse(readFileSync('robots/ant.json', 'utf8'));
    const weakAnt = { ...ant, name: 'weak-ant', joints: ant.joints.map((j: object) => ({ ...j, gear: 20 })) };
    const [shipped, weak] = [tempDir(), tempDir()];
    await train(parseTrainConfig(tinyAnt), shipped);
    await train(parseTrainConfig({ ...tinyAnt, robot: weakAnt }), weak);
    const fromWeak = parseTrainConfig({ ...tinyAnt, robot: weakAnt, initFrom: weak }) as RlTrainConfig;
    expect((await warmStart(fromWeak, 0)).params).toEqual((await loadLatestCheckpoint(weak)).params);
    await expect(warmStart({ ...fromWeak, initFrom: shipped }, 0)).rejects.toThrow(
      /initFrom .*: robot: expected the run's "sha256 [0-9a-f]{64}", got "the shipped robot"/,
    );
  });

  it('--init-from records the absolute path in the run, config paths resolve against the config file; not with --resume', async () => {
    const dir = tempDir();
    const { initFrom: _unused, ...config } = contextRun(drDir);
    const file = join(dir, 'warm.json');
    writeFileSync(file, JSON.stringify({ ...config, initFrom: relative(dir, drDir) }));
    const fromFile = await terrarium(['train', '--config', file, '--out', join(dir, 'a'), '--json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stderr).toContain(`warm start from ${drDir} (pretrain, iteration 2`);
    const recorded = JSON.parse(readFileSync(join(dir, 'a', 'config.json'), 'utf8'));
    expect(recorded.initFrom).toBe(drDir);

    writeFileSync(file, JSON.stringify(config));
    const flag = await terrarium([
      'train',
      '--config',
      file,
      '--out',
      join(dir, 'b'),
      '--init-from',
      drDir,
      '--json',
    ]);
    expect(flag.code, flag.stderr).toBe(0);
    const [a, b] = [await loadLatestCheckpoint(join(dir, 'a')), await loadLatestCheckpoint(join(dir, 'b'))];
    expect(b.params).toEqual(a.params);

    // The run's baselines: the pretrained one warm-starts from the same DR run, the oracle (other inputs) from scratch.
    const pretrain = await terrarium(['pretrain', '--run', join(dir, 'b')]);
    expect(pretrain.code, pretrain.stderr).toBe(0);
    const baseline = join(dir, 'b', 'pretrained-no-context');
    expect(JSON.parse(readFileSync(join(baseline, 'config.json'), 'utf8')).initFrom).toBe(drDir);
    expect(readMetrics(baseline)[0]!.totalEnvSteps).toBeGreaterThan(
      (await loadLatestCheckpoint(drDir)).checkpoint.envSteps,
    );
    const oracle = await terrarium(['pretrain', '--run', join(dir, 'b'), '--oracle']);
    expect(oracle.code, oracle.stderr).toBe(0);
    expect(
      JSON.parse(readFileSync(join(dir, 'b', 'oracle', 'config.json'), 'utf8')).initFrom,
    ).toBeUndefined();

    const both = await terrarium(['train', '--out', join(dir, 'b'), '--resume', '--init-from', drDir]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('--init-from starts a new run');
  }, 180_000);
});
