import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/agents/backend.js';
import { type AdaptOptions, makeLearner } from '../../src/agents/learner.js';
import { GaussianPolicy } from '../../src/agents/policy.js';
import { makeVectorEnv } from '../../src/envs/registry.js';

const TASK = {
  goal: { kind: 'position', position: [1.5, -1] },
  dynamics: { massScale: 1, friction: 1, motorStrength: 1, jointDamping: 1, gravityScale: 1 },
};

/** Two VPG updates on ball-nav from a fixed init and seed; the adapted params and the result. */
async function adapt(options: AdaptOptions = {}, measureFinal = true) {
  const venv = await makeVectorEnv('ball-nav', 4, { task: TASK, maxEpisodeSteps: 30 });
  const policy = GaussianPolicy.create({ hiddenSizes: [8], valueFunction: true }, 4, 2, 3);
  const result = await makeLearner({ algo: 'vpg', alpha: 0.3 }).adapt(
    policy,
    venv,
    { updates: 2, episodesPerUpdate: 4, measureFinal },
    7,
    {},
    options,
  );
  const before = policy.getParams();
  const after = result.policy.getParams();
  const specs = policy.specsOf('pi');
  const valueStart = specs[specs.length - 1]!.offset + specs[specs.length - 1]!.size;
  result.policy.dispose();
  policy.dispose();
  venv.close();
  return { before, after, result, specs, valueStart };
}

describe('VPG per-parameter step sizes (Meta-SGD support)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('multipliers of 1 give exactly the scalar step; 0 freezes exactly the parameters it covers', async () => {
    const plain = await adapt();
    const ones = new Float32Array(plain.before.length).fill(1);
    // One vector serves every update (the last vector repeats).
    expect(Array.from((await adapt({ stepScales: [ones] })).after)).toEqual(Array.from(plain.after));

    const logStd = plain.specs.find((s) => s.name === 'pi/log_std')!;
    const onlyLogStd = new Float32Array(plain.before.length);
    onlyLogStd.fill(1, logStd.offset, logStd.offset + logStd.size);
    const frozen = await adapt({ stepScales: [onlyLogStd] });
    frozen.after.forEach((v, j) => {
      const inLogStd = j >= logStd.offset && j < logStd.offset + logStd.size;
      if (!inLogStd) expect(v).toBe(frozen.before[j]);
    });
    const moved = frozen.after.subarray(logStd.offset, logStd.offset + logStd.size);
    expect(Array.from(moved)).not.toEqual(
      Array.from(frozen.before.subarray(logStd.offset, logStd.offset + logStd.size)),
    );
  });

  it('one vector per update: update u uses the u-th (zeros on the second stop after the first)', async () => {
    const plain = await adapt();
    const ones = new Float32Array(plain.before.length).fill(1);
    const zeros = new Float32Array(plain.before.length);
    const firstOnly = await adapt({ stepScales: [ones, zeros] });
    expect(Array.from(firstOnly.after)).toEqual(Array.from(plain.result.paramsBeforeUpdates[1]!));
    expect(Array.from(firstOnly.after)).not.toEqual(Array.from(plain.after));
    const secondOnly = await adapt({ stepScales: [zeros, ones] });
    expect(Array.from(secondOnly.result.paramsBeforeUpdates[1]!)).toEqual(Array.from(plain.before));
    expect(Array.from(secondOnly.after)).not.toEqual(Array.from(plain.before));
  });

  it('returns the policy gradient at the adapted params (zero on the value net) only when it measured them', async () => {
    const { result, before, valueStart } = await adapt({ finalGradient: true });
    const g = result.finalGradient!;
    expect(g).toHaveLength(before.length);
    expect(Array.from(g.subarray(valueStart)).every((v) => v === 0)).toBe(true);
    expect(Math.hypot(...g.subarray(0, valueStart))).toBeGreaterThan(0);
    // Without the measuring batch there is nothing to take the gradient on.
    const unmeasured = await adapt({ finalGradient: true }, false);
    expect(unmeasured.result.finalGradient).toBeUndefined();
    expect(unmeasured.result.stats.returns).toHaveLength(2);
  });

  it('a wrong-length multiplier vector and PPO are refused, naming the field', async () => {
    await expect(adapt({ stepScales: [new Float32Array(3)] })).rejects.toThrow(
      /stepScales\[0\]: expected \d+ numbers/,
    );
    const policy = GaussianPolicy.create({ hiddenSizes: [8], valueFunction: true }, 4, 2, 3);
    const venv = await makeVectorEnv('ball-nav', 1, { task: TASK, maxEpisodeSteps: 5 });
    await expect(
      makeLearner({ algo: 'ppo' }).adapt(
        policy,
        venv,
        { updates: 1, episodesPerUpdate: 1 },
        1,
        {},
        {
          finalGradient: true,
        },
      ),
    ).rejects.toThrow(/learner\.algo/);
    policy.dispose();
    venv.close();
  });
});
