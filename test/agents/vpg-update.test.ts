import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { explorationGradient } from '../../src/agents/exploration-gradient.js';
import { fitLinearBaseline } from '../../src/agents/linear-baseline.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { returnGapFactor } from '../../src/agents/return-gap-step.js';
import { meanReturn, type RolloutBatch } from '../../src/agents/rollout.js';
import { clipScale, type VpgConfig, VpgLearner, vpgConfigSchema } from '../../src/agents/vpg.js';
import { makeVectorEnv } from '../../src/envs/registry.js';
import { maxRelDiff, referenceGae } from './helpers.js';

// VPG (REINFORCE with a baseline; the inner loop of MAML), checked against a reference written here from its
// definition:
//   advantages A = GAE(gamma, lambda) against the baseline b:
//     'none': b = 0, and a truncated episode is not bootstrapped;
//     'linear': b = the linear feature baseline (linear-baseline.ts) refit on this batch's Monte-Carlo returns
//       (discounted, not bootstrapped), and truncation not bootstrapped;
//     'value': b = V(s_t) recorded with the batch, truncation bootstrapped from V(final obs);
//   then (A - mean) / (population std + 1e-8) when normalizeAdvantages;
//   the step: theta_pi <- theta_pi - alpha * factor * c * m * grad(-mean(log pi(a|s) A)), c = min(1, maxGradNorm /
//   (norm + 1e-6)) when the policy gradient's global norm exceeds maxGradNorm (else 1), m the per-parameter
//   multipliers (Meta-SGD; 1 without), factor the return-gap factor (1 without); the value weights do not move;
//   'value': then valueEpochs full-batch Adam steps (learning rate valueLearningRate) on 0.5 mean((V - G)^2), G the
//   discounted returns bootstrapped at truncation; the reported loss is the last step's, before it.

type Info = { policyLoss: number; stepFactor: number; valueLoss?: number };

const TASK = {
  goal: { kind: 'position', position: [1.5, -1] },
  dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
};

function config(overrides: Partial<VpgConfig>): VpgConfig {
  return vpgConfigSchema.parse({ algo: 'vpg', ...overrides });
}

function normalized(xs: number[]): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return xs.map((x) => (x - mean) / (std + 1e-8));
}

function referenceAdvantages(cfg: VpgConfig, batch: RolloutBatch): number[] {
  const n = batch.size;
  const noBootstrap = { ...batch, bootstrapValues: new Float32Array(n) };
  let a: number[];
  if (cfg.baseline === 'value') {
    a = referenceGae(batch, batch.values, cfg.gamma, cfg.gaeLambda).advantages;
  } else if (cfg.baseline === 'none') {
    a = referenceGae(noBootstrap, new Float32Array(n), cfg.gamma, cfg.gaeLambda).advantages;
  } else {
    const mc = referenceGae(noBootstrap, new Float32Array(n), cfg.gamma, 1).returns;
    const b = fitLinearBaseline(batch.normObs, batch.timesteps, batch.obsDim, Float32Array.from(mc)).fitted;
    a = referenceGae(noBootstrap, b, cfg.gamma, cfg.gaeLambda).advantages;
  }
  return cfg.normalizeAdvantages ? normalized(a) : a;
}

/** One reference VPG update of `p` (a clone of the policy before the update) on `batch`; the info it reports. */
function referenceUpdate(
  cfg: VpgConfig,
  p: GaussianPolicy,
  batch: RolloutBatch,
  options: { factor?: number; scales?: Float32Array; valueOptimizer?: tf.Optimizer } = {},
): Info & { norm: number } {
  const factor = options.factor ?? 1;
  const adv = referenceAdvantages(cfg, batch);
  let policyLoss = 0;
  let norm = 0;
  tf.tidy(() => {
    const x = tf.tensor2d(batch.normObs, [batch.size, batch.obsDim]);
    const act = tf.tensor2d(batch.actions, [batch.size, batch.actDim]);
    const A = tf.tensor1d(adv);
    const pi = p.variablesOf('pi');
    const { value, grads } = tf.variableGrads(
      () => p.logProbTensor(x, act).mul(A).mean().neg() as tf.Scalar,
      pi,
    );
    policyLoss = value.dataSync()[0]!;
    norm = Math.sqrt(pi.reduce((s, v) => s + grads[v.name]!.square().sum().dataSync()[0]!, 0));
    const c = cfg.maxGradNorm !== null && norm > cfg.maxGradNorm ? cfg.maxGradNorm / (norm + 1e-6) : 1;
    const specs = p.specsOf('pi');
    pi.forEach((v, i) => {
      const { offset, size, shape } = specs[i]!;
      const m = options.scales
        ? tf.tensor(options.scales.subarray(offset, offset + size), shape)
        : tf.onesLike(v);
      v.assign(v.sub(grads[v.name]!.mul(m).mul(cfg.alpha * factor * c)));
    });
  });
  const info: Info & { norm: number } = { policyLoss, stepFactor: factor, norm };
  if (cfg.baseline === 'value') {
    const G = referenceGae(batch, new Float32Array(batch.size), cfg.gamma, 1).returns;
    tf.tidy(() => {
      const x = tf.tensor2d(batch.normObs, [batch.size, batch.obsDim]);
      const target = tf.tensor1d(G);
      for (let e = 0; e < cfg.valueEpochs; e++) {
        const { value, grads } = tf.variableGrads(
          () => p.valueTensor(x).sub(target).square().mean().mul(0.5) as tf.Scalar,
          p.variablesOf('vf'),
        );
        info.valueLoss = value.dataSync()[0]!;
        options.valueOptimizer!.applyGradients(grads);
      }
    });
  }
  p.markUpdated();
  return info;
}

/**
 * Adapts `policy` on ball-nav (2 copies, episodes of `steps`, so the last ones are truncated), recording each batch
 * and the info each update reported (passed to the next batch's hook).
 */
async function adaptRecording(
  cfg: VpgConfig,
  policy: GaussianPolicy,
  updates: number,
  options: Parameters<VpgLearner['adapt']>[5] = {},
  steps = 7,
) {
  const venv = await makeVectorEnv('ball-nav', 2, { task: TASK, maxEpisodeSteps: steps });
  const batches: RolloutBatch[] = [];
  const infos: Record<string, number>[] = [];
  const result = await new VpgLearner(cfg).adapt(
    policy,
    venv,
    { updates, episodesPerUpdate: 3 },
    21,
    {
      onBatch: ({ batch, info }) => {
        batches.push(batch);
        infos.push(info);
      },
    },
    options,
  );
  venv.close();
  return { result, batches, infos };
}

function expectInfo(got: Record<string, number>, want: Info) {
  expect(got.policyLoss).toBeCloseTo(want.policyLoss, 5);
  expect(got.stepFactor).toBe(want.stepFactor);
  if (want.valueLoss === undefined) expect(got.valueLoss).toBeUndefined();
  else expect(got.valueLoss).toBeCloseTo(want.valueLoss, 5);
}

describe('the VPG update against its definition', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  for (const baseline of ['none', 'linear', 'value'] as const) {
    for (const normalizeAdvantages of [true, false]) {
      it(`baseline ${baseline}, normalizeAdvantages ${normalizeAdvantages}: two updates`, async () => {
        const cfg = config({
          baseline,
          normalizeAdvantages,
          gamma: 0.9,
          gaeLambda: 0.7,
          alpha: 0.05,
          valueEpochs: 3,
        });
        const policy = GaussianPolicy.create(
          { hiddenSizes: [4], valueFunction: baseline === 'value' },
          4,
          2,
          3,
        );
        const { result, batches, infos } = await adaptRecording(cfg, policy, 2);
        expect(batches).toHaveLength(3);
        // Episodes of 7 steps in a 7-step limit: each batch ends its episodes truncated (bootstrap matters).
        expect(batches[0]!.truncated.reduce((a, b) => a + b, 0)).toBe(3);
        expect(batches[0]!.values.some((v) => v !== 0)).toBe(baseline === 'value');
        const ref = policy.clone();
        const valueOptimizer = baseline === 'value' ? tf.train.adam(cfg.valueLearningRate) : undefined;
        for (const u of [0, 1]) {
          ref.setParams(result.paramsBeforeUpdates[u]!);
          const want = referenceUpdate(cfg, ref, batches[u]!, { valueOptimizer });
          const next = u === 0 ? result.paramsBeforeUpdates[1]! : result.policy.getParams();
          expect(maxRelDiff(next, ref.getParams()), `update ${u}`).toBeLessThan(1e-5);
          expectInfo(infos[u + 1]!, want);
        }
        expect(maxRelDiff(result.policy.getParams(), policy.getParams())).toBeGreaterThan(1e-3);
        if (baseline !== 'value') {
          // The value weights (when the policy has them) never move without the value baseline.
          const specs = policy.specsOf('pi');
          const piEnd = specs.at(-1)!.offset + specs.at(-1)!.size;
          expect(Array.from(result.policy.getParams().subarray(piEnd))).toEqual(
            Array.from(policy.getParams().subarray(piEnd)),
          );
        }
        valueOptimizer?.dispose();
        ref.dispose();
        result.policy.dispose();
        policy.dispose();
      });
    }
  }

  it('the value baseline fits the value weights with valueEpochs Adam steps and leaves the rest to the pg step', async () => {
    const cfg = config({ baseline: 'value', valueEpochs: 0 });
    const policy = GaussianPolicy.create({ hiddenSizes: [4] }, 4, 2, 3);
    const { result, infos } = await adaptRecording(cfg, policy, 1);
    const specs = policy.specsOf('pi');
    const piEnd = specs.at(-1)!.offset + specs.at(-1)!.size;
    expect(Array.from(result.policy.getParams().subarray(piEnd))).toEqual(
      Array.from(policy.getParams().subarray(piEnd)),
    );
    // No step: no loss to report.
    expect(infos[1]!.valueLoss).toBeNaN();
    result.policy.dispose();
    policy.dispose();
  });

  it('clips the policy gradient to global norm maxGradNorm: max / (norm + 1e-6) above it', async () => {
    // A small maxGradNorm that the first update's gradient exceeds many times.
    const cfg = config({ baseline: 'none', maxGradNorm: 1e-4, alpha: 1 });
    const policy = GaussianPolicy.create({ hiddenSizes: [], valueFunction: false }, 4, 2, 3);
    const { result, batches } = await adaptRecording(cfg, policy, 1);
    const ref = policy.clone();
    const want = referenceUpdate(cfg, ref, batches[0]!);
    expect(want.norm).toBeGreaterThan(1e-3);
    const step = result.policy.getParams().map((x, i) => x - policy.getParams()[i]!);
    const stepNorm = Math.sqrt(step.reduce((s, x) => s + x * x, 0));
    expect(stepNorm).toBeCloseTo((1e-4 * want.norm) / (want.norm + 1e-6), 9);
    expect(maxRelDiff(result.policy.getParams(), ref.getParams())).toBeLessThan(1e-5);
    ref.dispose();
    result.policy.dispose();
    policy.dispose();
  });

  it('per-parameter multipliers: update u uses the u-th vector, the last past the end', async () => {
    const cfg = config({ baseline: 'linear', alpha: 0.1 });
    const policy = GaussianPolicy.create({ hiddenSizes: [3], valueFunction: false }, 4, 2, 3);
    const m = [0, 1].map((k) =>
      Float32Array.from({ length: policy.numParams }, (_, j) => 0.5 + ((j * 7 + k * 3) % 5) / 4),
    );
    const { result, batches } = await adaptRecording(cfg, policy, 3, { stepScales: m });
    const ref = policy.clone();
    for (const u of [0, 1, 2]) {
      ref.setParams(result.paramsBeforeUpdates[u]!);
      referenceUpdate(cfg, ref, batches[u]!, { scales: m[Math.min(u, 1)] });
      const next = u < 2 ? result.paramsBeforeUpdates[u + 1]! : result.policy.getParams();
      expect(maxRelDiff(next, ref.getParams()), `update ${u}`).toBeLessThan(1e-5);
    }
    ref.dispose();
    result.policy.dispose();
    policy.dispose();
  });

  it('a return-gap step scales the update by the factor of its batch mean return, and reports it', async () => {
    const step = { bestReturn: 0, typicalGap: 40, minFactor: 0.1, maxFactor: 4 };
    const cfg = config({ baseline: 'none', alpha: 0.02, returnGapStep: step });
    const policy = GaussianPolicy.create({ hiddenSizes: [3], valueFunction: false }, 4, 2, 3);
    const { result, batches, infos } = await adaptRecording(cfg, policy, 1);
    const factor = returnGapFactor(step, meanReturn(batches[0]!));
    expect(factor).not.toBe(1);
    const ref = policy.clone();
    const want = referenceUpdate(cfg, ref, batches[0]!, { factor });
    expectInfo(infos[1]!, want);
    expect(maxRelDiff(result.policy.getParams(), ref.getParams())).toBeLessThan(1e-5);
    ref.dispose();
    result.policy.dispose();
    policy.dispose();
  });

  for (const vectors of [2, 1]) {
    it(`the exploration gradient: the sampling term at theta0 of the first batch along v = (theta2 - theta1) m0 / m1 (${vectors} multiplier vectors)`, async () => {
      const cfg = config({ baseline: 'linear', alpha: 0.2 });
      const policy = GaussianPolicy.create({ hiddenSizes: [3], valueFunction: false }, 4, 2, 3);
      const n = policy.numParams;
      const m = Array.from({ length: vectors }, (_, k) => k).map((k) =>
        Float32Array.from({ length: n }, (_, j) => 0.5 + ((j * 5 + k * 2) % 7) / 6),
      );
      const { result, batches } = await adaptRecording(cfg, policy, 2, {
        explorationGradient: true,
        stepScales: m,
      });
      const [theta0, theta1] = result.paramsBeforeUpdates as [Float32Array, Float32Array];
      const theta2 = result.policy.getParams();
      // m1 is the second vector, or the first again when there is one.
      const m1 = m[Math.min(1, vectors - 1)]!;
      const v = theta2.map((x, i) => ((x - theta1[i]!) * m[0]![i]!) / m1[i]!);
      const scratch = policy.clone();
      const want = explorationGradient(
        scratch,
        batches[0]!,
        Float32Array.from(referenceAdvantages(cfg, batches[0]!)),
        theta0,
        v,
      );
      expect(want.some((x) => x !== 0)).toBe(true);
      expect(maxRelDiff(result.explorationGradient!, want)).toBeLessThan(1e-4);
      scratch.dispose();
      result.policy.dispose();
      policy.dispose();
    });
  }

  it('the final gradient is grad mean(log pi A) at the adapted params, from the measuring batch', async () => {
    const cfg = config({ baseline: 'linear' });
    const policy = GaussianPolicy.create({ hiddenSizes: [3], valueFunction: true }, 4, 2, 3);
    const { result, batches } = await adaptRecording(cfg, policy, 1, { finalGradient: true });
    const batch = batches[1]!;
    const adv = referenceAdvantages(cfg, batch);
    const want = tf.tidy(() => {
      const x = tf.tensor2d(batch.normObs, [batch.size, batch.obsDim]);
      const act = tf.tensor2d(batch.actions, [batch.size, batch.actDim]);
      const { grads } = tf.variableGrads(
        () => result.policy.logProbTensor(x, act).mul(tf.tensor1d(adv)).mean() as tf.Scalar,
        result.policy.variablesOf('pi'),
      );
      return result.policy.variablesOf('pi').flatMap((v) => Array.from(grads[v.name]!.dataSync()));
    });
    const got = result.finalGradient!;
    expect(got).toHaveLength(policy.numParams);
    const piEnd = want.length;
    expect(maxRelDiff(got.subarray(0, piEnd), Float32Array.from(want))).toBeLessThan(1e-5);
    expect(got.subarray(piEnd).every((g) => g === 0)).toBe(true);
    result.policy.dispose();
    policy.dispose();
  });

  it('leaves no tensor behind (the value optimizer included)', async () => {
    const policy = GaussianPolicy.create({ hiddenSizes: [3] }, 4, 2, 3);
    const before = tf.memory().numTensors;
    const { result } = await adaptRecording(config({ baseline: 'value', maxGradNorm: 0.1 }), policy, 2, {
      finalGradient: true,
      explorationGradient: true,
    });
    result.policy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });
});

describe('clipScale', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is 1 at or below the norm, max / (norm + 1e-6) above it (global over all tensors)', () => {
    tf.tidy(() => {
      const g = [tf.tensor1d([3]), tf.tensor2d([[4]])];
      expect(clipScale(g, 5)).toBe(1);
      expect(clipScale(g, 6)).toBe(1);
      expect(clipScale(g, 2)).toBeCloseTo(2 / 5.000001, 9);
      const small = [tf.tensor1d([3e-4]), tf.tensor1d([4e-4, 0])];
      expect(clipScale(small, 1e-4)).toBeCloseTo(1e-4 / (5e-4 + 1e-6), 6);
    });
  });
});

describe('VPG refusals name the field', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('step-scale vectors of the wrong length or none, the exploration gradient without 2 updates or with a return-gap step, a value baseline without a value MLP', async () => {
    const venv = await makeVectorEnv('ball-nav', 1, { task: TASK, maxEpisodeSteps: 4 });
    const policy = GaussianPolicy.create({ hiddenSizes: [3], valueFunction: false }, 4, 2, 3);
    const budget = { updates: 2, episodesPerUpdate: 1 };
    const learner = new VpgLearner(config({}));
    expect(learner.name).toBe('vpg');
    const n = policy.numParams;
    await expect(
      learner.adapt(
        policy,
        venv,
        budget,
        1,
        {},
        { stepScales: [new Float32Array(n), new Float32Array(n - 1)] },
      ),
    ).rejects.toThrow(`stepScales[1]: expected ${n} numbers, got "length ${n - 1}"`);
    await expect(learner.adapt(policy, venv, budget, 1, {}, { stepScales: [] })).rejects.toThrow(
      'stepScales: expected at least one vector, got "[]"',
    );
    await expect(
      learner.adapt(policy, venv, { ...budget, updates: 1 }, 1, {}, { explorationGradient: true }),
    ).rejects.toThrow('updates: expected 2 with the exploration gradient, got 1');
    const gap = new VpgLearner(
      config({ returnGapStep: { bestReturn: 0, typicalGap: 1, minFactor: 0.1, maxFactor: 4 } }),
    );
    await expect(gap.adapt(policy, venv, budget, 1, {}, { explorationGradient: true })).rejects.toThrow(
      'learner.returnGapStep: expected null with the exploration gradient, got "set"',
    );
    await expect(
      new VpgLearner(config({ baseline: 'value' })).adapt(policy, venv, budget, 1),
    ).rejects.toThrow('policy.valueFunction: expected true for the vpg "value" baseline, got false');
    // What is allowed: one vector of the right length, and two updates with the exploration gradient.
    const ok = await learner.adapt(
      policy,
      venv,
      budget,
      1,
      {},
      { stepScales: [new Float32Array(n).fill(1)] },
    );
    const ok2 = await learner.adapt(policy, venv, budget, 1, {}, { explorationGradient: true });
    expect(ok2.explorationGradient).toHaveLength(n);
    for (const r of [ok, ok2]) r.policy.dispose();
    policy.dispose();
    venv.close();
  });
});
