import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TerrariumError } from '../../src/core/errors.js';
import { parseRunConfig, parseTrainConfig, type RlTrainConfig } from '../../src/meta/config.js';

const ballNav = JSON.parse(readFileSync('configs/ball-nav/ablations/reptile.json', 'utf8'));

function errorOf(input: unknown): TerrariumError {
  try {
    parseTrainConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(TerrariumError);
    return error as TerrariumError;
  }
  throw new Error('expected the config to be rejected');
}

describe('train config', () => {
  it('a legged config records its reward preset ("maml" by default); ball-nav refuses one', () => {
    const ant = { ...ballNav, env: 'ant' };
    expect((parseTrainConfig(ant) as RlTrainConfig).reward).toBe('maml');
    expect((parseTrainConfig({ ...ant, reward: 'gymnasium' }) as RlTrainConfig).reward).toBe('gymnasium');
    expect(errorOf({ ...ant, reward: 'mujoco' }).path).toBe('reward');
    expect(errorOf({ ...ballNav, reward: 'maml' }).message).toMatch(/^reward: .*legged/);
  });

  it("a saved run config missing a newer field gets the value in force before it, not today's default", () => {
    const ppo = { algo: 'ppo', learningRate: 0.001 };
    const saved = {
      ...ballNav,
      env: 'cheetah',
      inner: { ...ballNav.inner, learner: ppo },
      policy: { hiddenSizes: [8], valueFunction: true },
    };
    const old = parseRunConfig(saved) as RlTrainConfig;
    expect(old.reward).toBe('gymnasium');
    expect(old.policy.initLogStd).toBe(-0.5);
    expect(old.inner.learner).toMatchObject({ normalizeRewards: false, numMinibatches: 8 });
    const fresh = parseTrainConfig(saved) as RlTrainConfig;
    expect(fresh.reward).toBe('maml');
    expect(fresh.policy.initLogStd).toBe(0);
    expect(fresh.inner.learner).toMatchObject({ normalizeRewards: true, numMinibatches: 32 });
    // A run saved after the change keeps what it recorded.
    const recorded = JSON.parse(JSON.stringify(fresh));
    expect(parseRunConfig(recorded)).toEqual(fresh);
  });

  it('a bad inner.steps names the field, the value and what is allowed', () => {
    const error = errorOf({ ...ballNav, inner: { ...ballNav.inner, steps: -3 } });
    expect(error.message).toBe('inner.steps: expected an integer in [1, 100000], got -3');
    expect(error.path).toBe('inner.steps');
  });

  it('an unknown field is an error naming it, at any depth', () => {
    expect(errorOf({ ...ballNav, iterashuns: 3 }).message).toMatch(/unknown: iterashuns/);
    expect(errorOf({ ...ballNav, outer: { ...ballNav.outer, epz: 1 } }).path).toBe('outer');
    expect(errorOf({ ...ballNav, outer: { ...ballNav.outer, epz: 1 } }).message).toMatch(/epz/);
  });

  it('explorationTerm names what it needs: FOMAML, two unclipped VPG steps', () => {
    const fomaml = { ...ballNav, algo: 'fomaml', inner: { ...ballNav.inner, steps: 2 } };
    expect(parseTrainConfig({ ...fomaml, explorationTerm: 0.5 })).toMatchObject({ explorationTerm: 0.5 });
    expect(errorOf({ ...ballNav, explorationTerm: 0.5 }).message).toBe(
      'algo: expected "fomaml" with explorationTerm > 0, got "reptile"',
    );
    expect(errorOf({ ...fomaml, inner: { ...fomaml.inner, steps: 3 }, explorationTerm: 1 }).message).toBe(
      'inner.steps: expected 2 with explorationTerm > 0, got 3',
    );
    const clipped = { ...fomaml.inner, learner: { ...fomaml.inner.learner, maxGradNorm: 1 } };
    expect(errorOf({ ...fomaml, inner: clipped, explorationTerm: 1 }).path).toBe('inner.learner.maxGradNorm');
    expect(errorOf({ ...fomaml, explorationTerm: -1 }).path).toBe('explorationTerm');
  });

  it('an unknown env lists the known ones', () => {
    expect(errorOf({ ...ballNav, env: 'antt' }).message).toMatch(
      /^env: expected one of sine, ball-nav.*got "antt"/,
    );
  });

  it('errors of the learner, policy and task distribution carry their full path', () => {
    expect(
      errorOf({ ...ballNav, inner: { ...ballNav.inner, learner: { algo: 'vpg', alpha: -1 } } }).path,
    ).toBe('inner.learner.alpha');
    expect(errorOf({ ...ballNav, policy: { ...ballNav.policy, activation: 'gelu' } }).path).toBe(
      'policy.activation',
    );
    expect(errorOf({ ...ballNav, env: 'cheetah', tasks: { goal: 'sideways' } }).path).toBe('tasks.goal');
    expect(errorOf({ ...ballNav, outer: { optimizer: 'rmsprop' } }).message).toMatch(
      /outer.optimizer: expected one of "sgd", "adam"/,
    );
  });

  it('any corrupted field is either accepted or rejected with a TerrariumError naming a real path', () => {
    const leaves: string[][] = [];
    const walk = (node: unknown, path: string[]) => {
      if (node && typeof node === 'object' && !Array.isArray(node)) {
        for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
      } else leaves.push(path);
    };
    walk(ballNav, []);
    fc.assert(
      fc.property(
        fc.constantFrom(...leaves),
        fc.oneof(
          fc.integer(),
          fc.double(),
          fc.string(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.integer()),
        ),
        (path, value) => {
          const input = structuredClone(ballNav);
          let node = input;
          for (const key of path.slice(0, -1)) node = node[key];
          node[path.at(-1)!] = value;
          try {
            parseTrainConfig(input);
          } catch (error) {
            expect(error).toBeInstanceOf(TerrariumError);
            const e = error as TerrariumError;
            const leaf = path.join('.');
            // The error names the corrupted field, its parent object, or an element inside it.
            expect(leaf.startsWith(e.path) || e.path.startsWith(leaf) || e.path === 'env').toBe(true);
            expect(e.message).toContain(': expected ');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
