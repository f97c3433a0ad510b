import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { HostAdam, type ScaledStep } from '../../src/agents/host-adam.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { type PpoConfig, PpoLearner, ppoConfigSchema } from '../../src/agents/ppo.js';
import { inlineValuePart, type ValuePart } from '../../src/agents/ppo-value-thread.js';
import { RewardScaler } from '../../src/agents/reward-scaler.js';
import type { RolloutBatch } from '../../src/agents/rollout.js';
import { Rng } from '../../src/core/rng.js';
import { makeVectorEnv } from '../../src/envs/registry.js';
import { maxRelDiff, referenceGae } from './helpers.js';

// PPO's update (Schulman et al. 2017; CleanRL's ppo_continuous_action.py), checked on hand-made batches against a
// reference written here from that definition:
//   advantages: GAE(gamma, lambda) over the batch's episodes (terminated: nothing follows; truncated: bootstrap);
//   returns = advantages + old values;
//   each epoch: a Fisher-Yates shuffle of 0..n-1 (the generator handed to the update), then minibatches of
//   floor(n / numMinibatches) (at least 1) in that order, as many whole ones as fit; for each minibatch:
//     A normalized within the minibatch ((A - mean) / (population std + 1e-8)) when normalizeAdvantages,
//     r = exp(log pi(a|s) - logp_old),
//     pg = mean(max(-A r, -A clip(r, 1 - c, 1 + c))),
//     v = 0.5 mean((V - R)^2), or 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2)) with clipVloss,
//     loss = pg - entCoef * entropy + vfCoef * v,
//     gradient scaled by min(1, maxGradNorm / (global norm + 1e-6)), then one optimizer step;
//   statistics of the last minibatch: pg, v, entropy, approx KL mean((r - 1) - log r), clip fraction |r - 1| > c;
//   epochs stop early once that approx KL exceeds targetKl.
// The optimizer is plain SGD here (handed to the private update), so a step is exactly -lr times the gradient.

type Info = {
  pgLoss: number;
  vLoss: number;
  entropy: number;
  approxKl: number;
  clipFrac: number;
  epochs: number;
};
type UpdateFn = (
  p: GaussianPolicy,
  batch: RolloutBatch,
  optimizer: ScaledStep,
  value: ValuePart,
  rng: Rng,
  scaler: RewardScaler | null,
) => Info;

const OBS_DIM = 2;
const LR = 0.05;

function config(overrides: Partial<PpoConfig>): PpoConfig {
  return ppoConfigSchema.parse({ algo: 'ppo', ...overrides });
}

/**
 * Plain SGD as the update's optimizer step, the gradient times the scale the update computed (its global-norm clip
 * factor over both halves, which the reference computes on its own), counting its steps: the update under test, not
 * Adam (HostAdam has its own tests).
 */
function sgdStep(lr: number): ScaledStep & { steps: number } {
  return {
    steps: 0,
    learningRate: lr,
    squaredNorm: (variables, grads) =>
      tf.tidy(() => tf.addN(variables.map((v) => grads[v.name]!.square().sum())).dataSync()[0]!),
    stepWithScale(variables, grads, scale) {
      this.steps++;
      tf.tidy(() => {
        for (const v of variables) v.assign(v.sub(grads[v.name]!.mul(lr * scale)));
      });
    },
    dispose() {},
  };
}

/** The update with plain SGD for both halves (the policy's and the value net's, in this thread). */
function sgdUpdate(cfg: PpoConfig, p: GaussianPolicy, lr: number) {
  const optimizer = sgdStep(lr);
  const value = inlineValuePart(cfg, sgdStep(lr));
  const learner = new PpoLearner(cfg) as unknown as { update: UpdateFn };
  return {
    optimizer,
    run: (batch: RolloutBatch, rng: Rng) => learner.update(p, batch, optimizer, value, rng, null),
  };
}

function runUpdate(cfg: PpoConfig, p: GaussianPolicy, batch: RolloutBatch, seed: number, lr = LR) {
  const { optimizer, run } = sgdUpdate(cfg, p, lr);
  const info = run(batch, new Rng(seed));
  p.markUpdated();
  return { info, steps: optimizer.steps, params: p.getParams() };
}

function makePolicy(): GaussianPolicy {
  return GaussianPolicy.create(
    { hiddenSizes: [], obsNorm: false, valueFunction: true, initLogStd: -0.5 },
    OBS_DIM,
    1,
    5,
  );
}

interface Episode {
  rewards: number[];
  end: 'terminated' | 'truncated';
  bootstrap?: number;
}

/**
 * A batch of whole episodes for `p`: observations and actions by formula, logp_old = the current log-prob minus
 * `ratioLogs` (so r = exp(ratioLogs) at the first minibatch), old values = the current values plus `valueShift`.
 */
function handBatch(
  p: GaussianPolicy,
  episodes: Episode[],
  ratioLogs: number[],
  valueShift: number[],
): RolloutBatch {
  const n = episodes.reduce((s, e) => s + e.rewards.length, 0);
  const obs = Float32Array.from({ length: n * OBS_DIM }, (_, k) => Math.sin(1.3 * k + 0.4) * 1.5);
  const actions = Float32Array.from({ length: n }, (_, i) => Math.cos(2.1 * i) * 0.8);
  const [logp, values] = tf.tidy(() => {
    const x = tf.tensor2d(obs, [n, OBS_DIM]);
    return [p.logProbTensor(x, tf.tensor2d(actions, [n, 1])).dataSync(), p.valueTensor(x).dataSync()];
  });
  const rewards = new Float32Array(n);
  const terminated = new Uint8Array(n);
  const truncated = new Uint8Array(n);
  const bootstrapValues = new Float32Array(n);
  const timesteps = new Int32Array(n);
  let i = 0;
  for (const e of episodes) {
    e.rewards.forEach((r, t) => {
      rewards[i] = r;
      timesteps[i] = t;
      i++;
    });
    if (e.end === 'terminated') terminated[i - 1] = 1;
    else {
      truncated[i - 1] = 1;
      bootstrapValues[i - 1] = e.bootstrap ?? 0;
    }
  }
  return {
    obsDim: OBS_DIM,
    actDim: 1,
    size: n,
    obs,
    normObs: obs.slice(),
    actions,
    logProbs: Float32Array.from(logp, (l, k) => l - ratioLogs[k]!),
    values: Float32Array.from(values, (v, k) => v + valueShift[k]!),
    rewards,
    terminated,
    truncated,
    bootstrapValues,
    timesteps,
    episodeReturns: episodes.map((e) => e.rewards.reduce((a, b) => a + b, 0)),
    episodeLengths: episodes.map((e) => e.rewards.length),
    episodeSpeeds: [],
    envSteps: n,
  };
}

function normalized(xs: number[]): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return xs.map((x) => (x - mean) / (std + 1e-8));
}

/** The reference update on `p` (a clone of the policy the learner updates), with plain SGD of step `lr`. */
function referenceUpdate(cfg: PpoConfig, p: GaussianPolicy, batch: RolloutBatch, seed: number, lr = LR) {
  const n = batch.size;
  const { advantages, returns } = referenceGae(batch, batch.values, cfg.gamma, cfg.gaeLambda);
  const size = Math.max(1, Math.floor(n / cfg.numMinibatches));
  const rng = new Rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  let steps = 0;
  let norm = 0;
  let info: Info = { pgLoss: 0, vLoss: 0, entropy: 0, approxKl: 0, clipFrac: 0, epochs: 0 };
  for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
    for (let i = n - 1; i >= 1; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let k = 0; (k + 1) * size <= n; k++) {
      const idx = order.slice(k * size, (k + 1) * size);
      const advMb = idx.map((t) => advantages[t]!);
      const a = cfg.normalizeAdvantages ? normalized(advMb) : advMb;
      let ratios: number[] = [];
      let parts: number[] = [];
      tf.tidy(() => {
        const x = tf.tensor2d(
          idx.flatMap((t) => Array.from(batch.normObs.subarray(t * OBS_DIM, (t + 1) * OBS_DIM))),
          [size, OBS_DIM],
        );
        const act = tf.tensor2d(
          idx.map((t) => batch.actions[t]!),
          [size, 1],
        );
        const A = tf.tensor1d(a);
        const R = tf.tensor1d(idx.map((t) => returns[t]!));
        const oldV = tf.tensor1d(idx.map((t) => batch.values[t]!));
        const oldLogp = tf.tensor1d(idx.map((t) => batch.logProbs[t]!));
        const { grads } = tf.variableGrads(() => {
          const r = p.logProbTensor(x, act).sub(oldLogp).exp();
          const pg = tf
            .maximum(A.neg().mul(r), A.neg().mul(r.clipByValue(1 - cfg.clipCoef, 1 + cfg.clipCoef)))
            .mean();
          const V = p.valueTensor(x);
          const unclipped = V.sub(R).square();
          const perSample = cfg.clipVloss
            ? tf.maximum(
                unclipped,
                oldV.add(V.sub(oldV).clipByValue(-cfg.clipCoef, cfg.clipCoef)).sub(R).square(),
              )
            : unclipped;
          const v = perSample.mean().mul(0.5);
          const ent = p.entropyTensor();
          ratios = Array.from(r.dataSync());
          parts = [pg.dataSync()[0]!, v.dataSync()[0]!, ent.dataSync()[0]!];
          return pg.sub(ent.mul(cfg.entCoef)).add(v.mul(cfg.vfCoef)) as tf.Scalar;
        }, p.variables);
        const gs = p.variables.map((v) => grads[v.name]!);
        norm = Math.sqrt(gs.reduce((s, g) => s + g.square().sum().dataSync()[0]!, 0));
        const scale = Math.min(1, cfg.maxGradNorm / (norm + 1e-6));
        p.variables.forEach((v, i) => {
          v.assign(v.sub(gs[i]!.mul(lr * scale)));
        });
      });
      steps++;
      const approxKl = ratios.reduce((s, r) => s + (r - 1 - Math.log(r)), 0) / size;
      const clipFrac = ratios.filter((r) => Math.abs(r - 1) > cfg.clipCoef).length / size;
      info = {
        pgLoss: parts[0]!,
        vLoss: parts[1]!,
        entropy: parts[2]!,
        approxKl,
        clipFrac,
        epochs: epoch + 1,
      };
    }
    if (cfg.targetKl !== null && info.approxKl > cfg.targetKl) break;
  }
  p.markUpdated();
  return { info, steps, params: p.getParams(), norm };
}

const EPISODES: Episode[] = [
  { rewards: [1, -0.5, 2], end: 'terminated' },
  { rewards: [0.3, 0.7, -1.2, 0.4], end: 'truncated', bootstrap: 1.7 },
];
const RATIO_LOGS = [0.3, -0.3, 0.1, -0.05, 0.25, -0.4, 0.02];
const VALUE_SHIFT = [0.5, -0.1, 0.05, -0.4, 0.3, 0, -0.15];

function compare(
  cfg: PpoConfig,
  seed: number,
  batchOf = (p: GaussianPolicy) => handBatch(p, EPISODES, RATIO_LOGS, VALUE_SHIFT),
) {
  const p = makePolicy();
  const ref = p.clone();
  const batch = batchOf(p);
  const before = p.getParams();
  const got = runUpdate(cfg, p, batch, seed);
  const want = referenceUpdate(cfg, ref, batch, seed);
  p.dispose();
  ref.dispose();
  return { got, want, before };
}

function expectInfo(got: Info, want: Info) {
  expect(got.epochs).toBe(want.epochs);
  for (const key of ['pgLoss', 'vLoss', 'entropy', 'approxKl', 'clipFrac'] as const) {
    expect(got[key], key).toBeCloseTo(want[key], 5);
  }
}

describe('the PPO update on a hand-made batch', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is epochs x shuffled minibatches of steps on pg - entCoef H + vfCoef 0.5 max(clipped, unclipped) value loss', () => {
    // 7 steps, 2 minibatches of 3 (one step left out of each epoch), 3 epochs.
    const cfg = config({
      updateEpochs: 3,
      numMinibatches: 2,
      entCoef: 0.05,
      vfCoef: 0.7,
      maxGradNorm: 100,
      gamma: 0.9,
      gaeLambda: 0.8,
    });
    const { got, want, before } = compare(cfg, 17);
    expect(got.steps).toBe(6);
    expect(want.steps).toBe(6);
    expect(maxRelDiff(got.params, before)).toBeGreaterThan(1e-3);
    expect(maxRelDiff(got.params, want.params)).toBeLessThan(1e-5);
    expectInfo(got.info, want.info);
    expect(got.info.epochs).toBe(3);
  });

  it('the first minibatch statistics: approx KL, clip fraction, losses before any step', () => {
    // One minibatch of the whole batch, one epoch: the statistics are those of the hand-made ratios.
    const cfg = config({ updateEpochs: 1, numMinibatches: 1, entCoef: 0.01, maxGradNorm: 100 });
    const { got, want } = compare(cfg, 3);
    expect(got.steps).toBe(1);
    expectInfo(got.info, want.info);
    const r = RATIO_LOGS.map(Math.exp);
    expect(got.info.approxKl).toBeCloseTo(r.reduce((s, x) => s + x - 1 - Math.log(x), 0) / r.length, 5);
    // |r - 1| > 0.2: r = 1.35, 0.74, 1.28, 0.67
    expect(got.info.clipFrac).toBeCloseTo(4 / 7, 6);
    expect(got.info.entropy).toBeCloseTo(-0.5 + 0.5 * (1 + Math.log(2 * Math.PI)), 5);
    expect(maxRelDiff(got.params, want.params)).toBeLessThan(1e-5);
  });

  it('without value clipping or advantage normalization, and with more minibatches than steps (size 1)', () => {
    const cfg = config({
      updateEpochs: 2,
      numMinibatches: 50,
      clipVloss: false,
      normalizeAdvantages: false,
      entCoef: 0.2,
      vfCoef: 0.3,
      maxGradNorm: 100,
    });
    const { got, want } = compare(cfg, 8);
    expect(got.steps).toBe(14);
    expect(maxRelDiff(got.params, want.params)).toBeLessThan(1e-5);
    expectInfo(got.info, want.info);
  });

  it('value clipping changes the step (the batch has values moved past the clip)', () => {
    // The terminal step's old value 3 below the current one: its clipped value (0.2 below) stays far from its return
    // (the reward, 2), whatever the policy's init, so the max picks the clipped branch there.
    const shifts = VALUE_SHIFT.map((s, k) => (k === 2 ? -3 : s));
    const batchOf = (p: GaussianPolicy) => handBatch(p, EPISODES, RATIO_LOGS, shifts);
    const on = compare(config({ updateEpochs: 1, numMinibatches: 1, maxGradNorm: 100 }), 4, batchOf);
    const off = compare(
      config({ updateEpochs: 1, numMinibatches: 1, maxGradNorm: 100, clipVloss: false }),
      4,
      batchOf,
    );
    expect(maxRelDiff(on.got.params, on.want.params)).toBeLessThan(1e-5);
    expect(maxRelDiff(off.got.params, off.want.params)).toBeLessThan(1e-5);
    expect(maxRelDiff(on.got.params, off.got.params)).toBeGreaterThan(1e-4);
    expect(on.got.info.vLoss).not.toBeCloseTo(off.got.info.vLoss, 3);
  });

  it('clips the gradient to global norm maxGradNorm: min(1, max / (norm + 1e-6))', () => {
    // Small gradients (advantages ~1e-3, values at their targets but for them, no entropy), so that the 1e-6 in the
    // denominator is visible: a global norm near 1e-3 clipped to 2e-4.
    const small: Episode[] = [
      { rewards: [0.001, -0.002, 0.0015], end: 'terminated' },
      { rewards: [0.0005, 0.001, -0.001, 0.002], end: 'terminated' },
    ];
    const cfg = config({
      updateEpochs: 1,
      numMinibatches: 1,
      normalizeAdvantages: false,
      gamma: 0,
      maxGradNorm: 2e-4,
    });
    const zeros = new Array(7).fill(0);
    const batchOf = (p: GaussianPolicy) => {
      const b = handBatch(
        p,
        small,
        RATIO_LOGS.map((x) => x / 10),
        zeros,
      );
      // Old values 0, so each advantage is its reward and the value targets are the rewards.
      b.values.fill(0);
      return b;
    };
    const p = makePolicy();
    p.setParams(p.getParams().map(() => 0));
    const ref = p.clone();
    const batch = batchOf(p);
    const before = p.getParams();
    const got = runUpdate(cfg, p, batch, 1);
    const want = referenceUpdate(cfg, ref, batch, 1);
    expect(want.norm).toBeGreaterThan(2 * cfg.maxGradNorm);
    expect(want.norm).toBeLessThan(1e-2);
    const step = got.params.map((x, i) => x - before[i]!);
    const stepNorm = Math.sqrt(step.reduce((s, x) => s + x * x, 0));
    expect(stepNorm).toBeCloseTo((LR * cfg.maxGradNorm * want.norm) / (want.norm + 1e-6), 9);
    const wantStep = want.params.map((x, i) => x - before[i]!);
    expect(maxRelDiff(step, wantStep)).toBeLessThan(1e-4);
    p.dispose();
    ref.dispose();
  });

  it('normalizes advantages with (A - mean) / (std + 1e-8): a spread of 2e-8 becomes -0.5 and 0.5', () => {
    const tiny: Episode[] = [
      { rewards: [0], end: 'terminated' },
      { rewards: [2e-8], end: 'terminated' },
    ];
    const cfg = config({ updateEpochs: 1, numMinibatches: 1, vfCoef: 0, maxGradNorm: 100 });
    const batchOf = (p: GaussianPolicy) => {
      const b = handBatch(p, tiny, [0, 0], [0, 0]);
      b.values.fill(0);
      return b;
    };
    const { got, want, before } = compare(cfg, 2, batchOf);
    expect(got.params.every(Number.isFinite)).toBe(true);
    // Ratios 1: the pg loss is -mean(A) = 0 and its gradient -mean(A grad log pi), with A = -0.5, 0.5.
    expect(got.info.pgLoss).toBeCloseTo(0, 6);
    expect(maxRelDiff(got.params, before)).toBeGreaterThan(1e-3);
    expect(maxRelDiff(got.params, want.params)).toBeLessThan(1e-4);
  });

  it('stops the epochs once the approx KL exceeds targetKl, and not before', () => {
    const stop = compare(config({ updateEpochs: 4, numMinibatches: 2, maxGradNorm: 100, targetKl: 1e-4 }), 9);
    expect(stop.got.info.epochs).toBe(1);
    expect(stop.got.steps).toBe(2);
    expect(maxRelDiff(stop.got.params, stop.want.params)).toBeLessThan(1e-5);
    const go = compare(config({ updateEpochs: 4, numMinibatches: 2, maxGradNorm: 100, targetKl: 10 }), 9);
    expect(go.got.info.epochs).toBe(4);
    expect(go.got.steps).toBe(8);
  });

  it('stops only when the approx KL exceeds targetKl: equal to it goes on', () => {
    // Each epoch's approx KL, read back exactly (float32, deterministic); the larger of the first two is the target.
    const klAfter = (epochs: number) =>
      compare(config({ updateEpochs: epochs, numMinibatches: 2, maxGradNorm: 100 }), 9).got.info.approxKl;
    const [first, second] = [klAfter(1), klAfter(2)];
    expect(first).toBeGreaterThan(0);
    const top = Math.max(first, second);
    const equal = compare(config({ updateEpochs: 3, numMinibatches: 2, maxGradNorm: 100, targetKl: top }), 9);
    expect(equal.got.info.epochs).toBe(3);
    const below = compare(
      config({ updateEpochs: 3, numMinibatches: 2, maxGradNorm: 100, targetKl: top * (1 - 1e-6) }),
      9,
    );
    expect(below.got.info.epochs).toBe(first >= second ? 1 : 2);
  });

  it('an empty batch takes no step and reports zero statistics after its epochs', () => {
    const p = makePolicy();
    const before = p.getParams();
    const batch = handBatch(p, [], [], []);
    const got = runUpdate(config({ updateEpochs: 2, numMinibatches: 1 }), p, batch, 1);
    expect(got.steps).toBe(0);
    expect(got.info).toEqual({ pgLoss: 0, vLoss: 0, entropy: 0, approxKl: 0, clipFrac: 0, epochs: 2 });
    expect(got.params).toEqual(before);
    p.dispose();
  });

  it('leaves no tensor behind', () => {
    const p = makePolicy();
    const batch = handBatch(p, EPISODES, RATIO_LOGS, VALUE_SHIFT);
    const { run } = sgdUpdate(config({ updateEpochs: 2, numMinibatches: 3 }), p, LR);
    run(batch, new Rng(1));
    const before = tf.memory().numTensors;
    run(batch, new Rng(2));
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });
});

const TASK = {
  goal: { kind: 'position', position: [1.5, -1] },
  dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
};

describe('PPO adapt', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * Adapts with the learning rate at each optimizer step recorded (Adam, as `adapt` makes it): the policy's step of
   * a minibatch, then the value net's (its own Adam).
   */
  async function adaptRecording(overrides: Partial<PpoConfig>, updates: number) {
    const lrs: number[] = [];
    const step = HostAdam.prototype.stepWithScale;
    vi.spyOn(HostAdam.prototype, 'stepWithScale').mockImplementation(function (this: HostAdam, ...args) {
      lrs.push(this.learningRate);
      step.apply(this, args);
    });
    const scale = vi.spyOn(RewardScaler.prototype, 'scale');
    const venv = await makeVectorEnv('ball-nav', 1, { task: TASK, maxEpisodeSteps: 6 });
    const policy = GaussianPolicy.create({ hiddenSizes: [4] }, 4, 2, 3);
    const valuesSeen: boolean[] = [];
    const learner = new PpoLearner(config({ updateEpochs: 2, numMinibatches: 3, ...overrides }));
    const tensors = tf.memory().numTensors;
    const result = await learner.adapt(policy, venv, { updates, episodesPerUpdate: 1 }, 7, {
      onBatch: ({ batch }) => valuesSeen.push(batch.values.some((v) => v !== 0)),
    });
    result.policy.dispose();
    const leaked = tf.memory().numTensors - tensors;
    policy.dispose();
    venv.close();
    return { lrs, scaleCalls: scale.mock.calls.length, valuesSeen, leaked, result };
  }

  it('anneals the learning rate linearly to 0 over the updates of one adapt call', async () => {
    const { lrs, leaked, valuesSeen } = await adaptRecording({ learningRate: 0.003 }, 3);
    // 6 steps a batch, minibatches of 2: 3 a pass, 2 passes: 6 steps an update at lr (1 - u / 3), each the policy's
    // and the value net's.
    expect(lrs).toHaveLength(36);
    const want = [0, 1, 2].flatMap((u) => new Array(12).fill(0.003 * (1 - u / 3)));
    lrs.forEach((lr, k) => {
      expect(lr, `step ${k}`).toBeCloseTo(want[k]!, 9);
    });
    expect(leaked).toBe(0);
    // PPO records V(s_t) with each batch (the value targets and the clipped value loss need them).
    expect(valuesSeen).toEqual([true, true, true, true]);
  });

  it('keeps the learning rate without annealLr', async () => {
    const { lrs } = await adaptRecording({ learningRate: 0.003, annealLr: false }, 2);
    expect(lrs).toEqual(new Array(24).fill(0.003));
  });

  it('scales rewards by the running return std only with normalizeRewards', async () => {
    expect((await adaptRecording({}, 2)).scaleCalls).toBe(2);
    expect((await adaptRecording({ normalizeRewards: false }, 2)).scaleCalls).toBe(0);
  });

  it('refuses a policy without a value function, and Meta-SGD options, naming the field', async () => {
    const venv = await makeVectorEnv('ball-nav', 1, { task: TASK, maxEpisodeSteps: 4 });
    const learner = new PpoLearner(config({}));
    expect(learner.name).toBe('ppo');
    const budget = { updates: 1, episodesPerUpdate: 1 };
    const noValue = GaussianPolicy.create({ valueFunction: false, hiddenSizes: [4] }, 4, 2, 1);
    await expect(learner.adapt(noValue, venv, budget, 1)).rejects.toThrow(
      'policy.valueFunction: expected true for ppo, got false',
    );
    const policy = GaussianPolicy.create({ hiddenSizes: [4] }, 4, 2, 1);
    const message = 'learner.algo: expected "vpg" for per-parameter step sizes (metaSgd), got "ppo"';
    await expect(
      learner.adapt(policy, venv, budget, 1, {}, { stepScales: [new Float32Array(policy.numParams)] }),
    ).rejects.toThrow(message);
    await expect(learner.adapt(policy, venv, budget, 1, {}, { finalGradient: true })).rejects.toThrow(
      message,
    );
    const ok = await learner.adapt(policy, venv, budget, 1, {}, { finalGradient: false });
    expect(ok.stats.returns).toHaveLength(2);
    ok.policy.dispose();
    noValue.dispose();
    policy.dispose();
    venv.close();
  });
});
